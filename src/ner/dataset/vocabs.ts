/**
 * The three vocabularies a tagger needs (words, characters, tags), built together from a corpus split.
 */
import type { Sentence } from '../sentence.js';
import { CharVocab } from '../vocab/char_vocab.js';
import { TagVocab } from '../vocab/tag_vocab.js';
import { WordVocab } from '../vocab/word_vocab.js';

/** The vocabularies of a tagger. @public */
export interface NerVocabs {
  /** Word ids of the tokens. */
  readonly words: WordVocab;
  /** Character ids of the tokens' characters. */
  readonly chars: CharVocab;
  /** Tag ids of the tags the model predicts. */
  readonly tags: TagVocab;
}

/** How {@link buildNerVocabs} builds the vocabularies. @public */
export interface NerVocabOptions {
  /** Training words seen fewer times than this become UNK (default 1: every training word is known). */
  readonly minWordCount?: number;
  /** Lowercase words before lookup (default false; the word-shape feature keeps the case). */
  readonly lowercase?: boolean;
  /** Fold digits to `0` (default true: `1,500` and `2,700` share an id). */
  readonly normalizeDigits?: boolean;
  /** At most this many word ids, PAD and UNK included. */
  readonly maxWords?: number;
  /** Characters seen fewer times than this become UNK (default 1). */
  readonly minCharCount?: number;
}

/**
 * Builds the word and character vocabularies from the training sentences only (so that dev and test words
 * unseen in training are UNK, as they will be on new text), and the tag vocabulary from `tagSentences` (every
 * split: the tag set is the corpus's schema, and a tag missing from the training split must still be
 * representable). Tags are ordered by frequency, so `O` gets id 0.
 * @public
 */
export function buildNerVocabs(
  train: readonly Sentence[],
  tagSentences: Iterable<{ readonly tags: readonly string[] }>,
  options: NerVocabOptions = {},
): NerVocabs {
  if (train.length === 0) throw new RangeError('buildNerVocabs: the training split has no sentences');
  const words = WordVocab.build(train, {
    minCount: options.minWordCount ?? 1,
    lowercase: options.lowercase ?? false,
    normalizeDigits: options.normalizeDigits ?? true,
    ...(options.maxWords === undefined ? {} : { maxSize: options.maxWords }),
  });
  const chars = CharVocab.build(train, { minCount: options.minCharCount ?? 1 });
  const tags = TagVocab.build(tagSentences);
  return { words, chars, tags };
}

/** The JSON form of {@link NerVocabs}. @public */
export interface NerVocabsJSON {
  /** The word vocabulary's JSON form. */
  readonly words: ReturnType<WordVocab['toJSON']>;
  /** The character vocabulary's JSON form. */
  readonly chars: ReturnType<CharVocab['toJSON']>;
  /** The tag vocabulary's JSON form. */
  readonly tags: ReturnType<TagVocab['toJSON']>;
}

/** The vocabularies as JSON. @public */
export function nerVocabsToJSON(vocabs: NerVocabs): NerVocabsJSON {
  return { words: vocabs.words.toJSON(), chars: vocabs.chars.toJSON(), tags: vocabs.tags.toJSON() };
}

/** Vocabularies from their JSON form; a malformed part is refused naming it. @public */
export function nerVocabsFromJSON(json: unknown): NerVocabs {
  const o = json as Partial<Record<keyof NerVocabsJSON, unknown>> | null;
  if (o === null || typeof o !== 'object') throw new TypeError('NER vocabularies: expected an object with words, chars and tags');
  const part = <T>(name: keyof NerVocabsJSON, from: (j: unknown) => T): T => {
    if (o[name] === undefined) throw new TypeError(`NER vocabularies: the '${name}' vocabulary is missing`);
    try {
      return from(o[name]);
    } catch (error) {
      throw new TypeError(`NER vocabularies: the '${name}' vocabulary is malformed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    words: part('words', (j) => WordVocab.fromJSON(j)),
    chars: part('chars', (j) => CharVocab.fromJSON(j)),
    tags: part('tags', (j) => TagVocab.fromJSON(j)),
  };
}
