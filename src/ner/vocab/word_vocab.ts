/**
 * Word vocabulary: words to integer ids, with padding, unknown words, optional lowercasing and digit folding.
 */

import { countInto, orderByFrequency } from './frequency_order.js';
import { checkEntries, checkVocabJson } from './vocab_json.js';
import { wordShapeId } from './word_shape.js';

/** How a {@link WordVocab} is built. @public */
export interface WordVocabOptions {
  /** Words seen fewer times than this (after normalisation) map to UNK (default 1: keep every word). */
  readonly minCount?: number;
  /** Lowercase words before lookup (default false). Keep the case information with {@link WordVocab.shapes}. */
  readonly lowercase?: boolean;
  /** Replace every decimal digit with `0` before lookup, so `1,500` and `2,700` share an id (default false). */
  readonly normalizeDigits?: boolean;
  /** At most this many entries, PAD and UNK included (the most frequent words are kept). */
  readonly maxSize?: number;
}

/** The JSON form of a {@link WordVocab}. @public */
export interface WordVocabJSON {
  /** Marks the object as a word vocabulary. */
  readonly kind: 'WordVocab';
  /** The version of this JSON form. */
  readonly version: 1;
  /** Whether words are lowercased before lookup. */
  readonly lowercase: boolean;
  /** Whether digits are folded to `0` before lookup. */
  readonly normalizeDigits: boolean;
  /** Every entry by id: `words[0]` is PAD, `words[1]` UNK. */
  readonly words: readonly string[];
}

/** Something with words, such as a `Sentence`. @public */
export interface HasWords {
  /** The words, in order. */
  readonly words: readonly string[];
}

const DIGITS = /\p{Nd}/gu;

/**
 * Maps words to ids: 0 is padding, 1 unknown, then the known words by decreasing frequency, ties in code-unit
 * order (so the same corpus always gives the same ids).
 * @public
 */
export class WordVocab {
  /** Id of padding. */
  static readonly PAD_ID = 0;
  /** Id of any word not in the vocabulary. */
  static readonly UNK_ID = 1;
  /** The entry text of PAD. */
  static readonly PAD = '<pad>';
  /** The entry text of UNK. */
  static readonly UNK = '<unk>';

  private readonly ids: ReadonlyMap<string, number>;

  private constructor(
    private readonly words: readonly string[],
    /** Whether words are lowercased before lookup. */
    readonly lowercase: boolean,
    /** Whether digits are folded to `0` before lookup. */
    readonly normalizeDigits: boolean,
  ) {
    this.ids = new Map(words.map((word, id) => [word, id]));
  }

  /** Builds the vocabulary of the words of `sentences`. @public */
  static build(sentences: Iterable<HasWords>, options: WordVocabOptions = {}): WordVocab {
    const normalizer = new WordVocab([], options.lowercase ?? false, options.normalizeDigits ?? false);
    const counts = new Map<string, number>();
    for (const sentence of sentences)
      countInto(
        counts,
        sentence.words.map((w) => normalizer.normalize(w)),
      );
    return WordVocab.fromCounts(counts, options);
  }

  /** Builds the vocabulary from word counts (words are normalised first; counts of words that merge add up). @public */
  static fromCounts(counts: ReadonlyMap<string, number>, options: WordVocabOptions = {}): WordVocab {
    const minCount = options.minCount ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    if (!(minCount >= 1)) throw new RangeError(`WordVocab: minCount must be at least 1, got ${minCount}`);
    if (!(maxSize >= 2)) throw new RangeError(`WordVocab: maxSize must leave room for PAD and UNK (at least 2), got ${maxSize}`);
    const lowercase = options.lowercase ?? false;
    const normalizeDigits = options.normalizeDigits ?? false;
    const normalizer = new WordVocab([], lowercase, normalizeDigits);
    const merged = new Map<string, number>();
    for (const [word, count] of counts) {
      const normal = normalizer.normalize(word);
      if (normal === WordVocab.PAD || normal === WordVocab.UNK) continue;
      merged.set(normal, (merged.get(normal) ?? 0) + count);
    }
    const known = orderByFrequency(merged, minCount).slice(0, maxSize - 2);
    return new WordVocab([WordVocab.PAD, WordVocab.UNK, ...known], lowercase, normalizeDigits);
  }

  /** Restores a vocabulary from {@link WordVocab.toJSON}'s output. @public */
  static fromJSON(json: unknown): WordVocab {
    checkVocabJson(json, 'WordVocab', 1);
    const words = checkEntries('WordVocab', 'words', json['words']);
    if (words[0] !== WordVocab.PAD || words[1] !== WordVocab.UNK) {
      throw new TypeError(`WordVocab.fromJSON: 'words' must start with '${WordVocab.PAD}', '${WordVocab.UNK}'`);
    }
    return new WordVocab(words, json['lowercase'] === true, json['normalizeDigits'] === true);
  }

  /**
   * This vocabulary with `words` added after its own entries (normalised first; words it already has, and PAD and
   * UNK, are skipped), so every id it gave stays the same.
   */
  withWords(words: Iterable<string>): WordVocab {
    const entries = [...this.words];
    const seen = new Set(entries);
    for (const word of words) {
      const normal = this.normalize(word);
      if (seen.has(normal)) continue;
      seen.add(normal);
      entries.push(normal);
    }
    return new WordVocab(entries, this.lowercase, this.normalizeDigits);
  }

  /** Number of ids, PAD and UNK included. */
  get size(): number {
    return this.words.length;
  }

  /** The form a word is looked up in (lowercased and digit-folded as configured). */
  normalize(word: string): string {
    const cased = this.lowercase ? word.toLowerCase() : word;
    return this.normalizeDigits ? cased.replace(DIGITS, '0') : cased;
  }

  /** Whether the word has its own id (is not UNK). */
  has(word: string): boolean {
    const id = this.ids.get(this.normalize(word));
    return id !== undefined && id > WordVocab.UNK_ID;
  }

  /** The id of a word; {@link WordVocab.UNK_ID} when unknown. */
  id(word: string): number {
    const id = this.ids.get(this.normalize(word));
    return id === undefined || id === WordVocab.PAD_ID ? WordVocab.UNK_ID : id;
  }

  /** The (normalised) word of an id; a `RangeError` for ids outside the vocabulary. */
  word(id: number): string {
    const word = this.words[id];
    if (word === undefined || !Number.isInteger(id)) throw new RangeError(`WordVocab: no word has id ${id} (ids are 0..${this.size - 1})`);
    return word;
  }

  /** Ids of a sentence's words. */
  encode(words: readonly string[]): number[] {
    return words.map((word) => this.id(word));
  }

  /** Words of ids (normalised forms; `<pad>`, `<unk>` for the special ids). */
  decode(ids: readonly number[]): string[] {
    return ids.map((id) => this.word(id));
  }

  /** Shape ids of a sentence's words (see `WORD_SHAPES`), from the original, not lowercased, words. */
  shapes(words: readonly string[]): number[] {
    return words.map(wordShapeId);
  }

  /** A JSON-serialisable form; `WordVocab.fromJSON(JSON.parse(JSON.stringify(v)))` gives the same ids. */
  toJSON(): WordVocabJSON {
    return { kind: 'WordVocab', version: 1, lowercase: this.lowercase, normalizeDigits: this.normalizeDigits, words: [...this.words] };
  }
}
