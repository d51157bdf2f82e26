/**
 * Character vocabulary, for an optional character-level word representation.
 */

import { countInto, orderByFrequency } from './frequency_order.js';
import { checkEntries, checkVocabJson } from './vocab_json.js';
import type { HasWords } from './word_vocab.js';

/** How a {@link CharVocab} is built. @public */
export interface CharVocabOptions {
  /** Characters seen fewer times than this map to UNK (default 1). */
  readonly minCount?: number;
}

/** The JSON form of a {@link CharVocab}. @public */
export interface CharVocabJSON {
  /** Marks the object as a character vocabulary. */
  readonly kind: 'CharVocab';
  /** The version of this JSON form. */
  readonly version: 1;
  /** Every entry by id: `chars[0]` is PAD, `chars[1]` UNK, then one character (code point) each. */
  readonly chars: readonly string[];
}

/**
 * Maps characters (Unicode code points, so an emoji is one character) to ids: 0 is padding, 1 unknown, then
 * the characters by decreasing frequency, ties in code-unit order.
 * @public
 */
export class CharVocab {
  /** Id of padding. */
  static readonly PAD_ID = 0;
  /** Id of any character not in the vocabulary. */
  static readonly UNK_ID = 1;
  /** The entry text of PAD (longer than one character, so it never clashes with a real one). */
  static readonly PAD = '<pad>';
  /** The entry text of UNK. */
  static readonly UNK = '<unk>';

  private readonly ids: ReadonlyMap<string, number>;

  private constructor(private readonly chars: readonly string[]) {
    this.ids = new Map(chars.map((char, id) => [char, id]));
  }

  /** Builds the vocabulary of the characters of the words of `sentences`. @public */
  static build(sentences: Iterable<HasWords>, options: CharVocabOptions = {}): CharVocab {
    const minCount = options.minCount ?? 1;
    if (!(minCount >= 1)) throw new RangeError(`CharVocab: minCount must be at least 1, got ${minCount}`);
    const counts = new Map<string, number>();
    for (const sentence of sentences) for (const word of sentence.words) countInto(counts, word);
    return new CharVocab([CharVocab.PAD, CharVocab.UNK, ...orderByFrequency(counts, minCount)]);
  }

  /** Restores a vocabulary from {@link CharVocab.toJSON}'s output. @public */
  static fromJSON(json: unknown): CharVocab {
    checkVocabJson(json, 'CharVocab', 1);
    const chars = checkEntries('CharVocab', 'chars', json['chars']);
    if (chars[0] !== CharVocab.PAD || chars[1] !== CharVocab.UNK) {
      throw new TypeError(`CharVocab.fromJSON: 'chars' must start with '${CharVocab.PAD}', '${CharVocab.UNK}'`);
    }
    const notOneChar = chars.slice(2).find((c) => [...c].length !== 1);
    if (notOneChar !== undefined) throw new TypeError(`CharVocab.fromJSON: '${notOneChar}' is not a single character`);
    return new CharVocab(chars);
  }

  /** Number of ids, PAD and UNK included. */
  get size(): number {
    return this.chars.length;
  }

  /** The id of one character; {@link CharVocab.UNK_ID} when unknown. */
  id(char: string): number {
    const id = [...char].length === 1 ? this.ids.get(char) : undefined;
    return id ?? CharVocab.UNK_ID;
  }

  /** The character of an id (`<pad>`, `<unk>` for the special ids); a `RangeError` outside the vocabulary. */
  char(id: number): string {
    const char = this.chars[id];
    if (char === undefined || !Number.isInteger(id))
      throw new RangeError(`CharVocab: no character has id ${id} (ids are 0..${this.size - 1})`);
    return char;
  }

  /** Ids of a word's characters; with `maxLength`, cut or padded (with PAD) to exactly that length. */
  encodeWord(word: string, maxLength?: number): number[] {
    const ids = Array.from(word, (char) => this.id(char));
    if (maxLength === undefined) return ids;
    return ids.length >= maxLength
      ? ids.slice(0, maxLength)
      : [...ids, ...new Array<number>(maxLength - ids.length).fill(CharVocab.PAD_ID)];
  }

  /** Ids of every word of a sentence (see {@link CharVocab.encodeWord}). */
  encode(words: readonly string[], maxWordLength?: number): number[][] {
    return words.map((word) => this.encodeWord(word, maxWordLength));
  }

  /** The word spelled by ids; PAD is skipped, UNK becomes U+FFFD. */
  decodeWord(ids: readonly number[]): string {
    return ids
      .filter((id) => id !== CharVocab.PAD_ID)
      .map((id) => (id === CharVocab.UNK_ID ? '\uFFFD' : this.char(id)))
      .join('');
  }

  /** A JSON-serialisable form; `CharVocab.fromJSON(JSON.parse(JSON.stringify(v)))` gives the same ids. */
  toJSON(): CharVocabJSON {
    return { kind: 'CharVocab', version: 1, chars: [...this.chars] };
  }
}
