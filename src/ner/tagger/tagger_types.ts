/** The options and results of a tagger's `tagTokens` and `tag` (their own module, so that the tagging steps and the tagger import them without importing each other). */
import type { TaggedEntity } from './entities.js';
import type { OffsetUnit } from './offsets.js';
import type { Token } from '../tokenize.js';

/** Options of {@link NerTagger.tagTokens}. @public */
export interface TagTokensOptions {
  /** Sentences per inference batch (default 256). */
  readonly batchSize?: number;
  /**
   * A context model's documents: the document of each sentence (runs of consecutive sentences with the same
   * value are one document, their neighbours its context). Default: all the sentences are one document. A
   * sentence-level model (`contextTokens` 0) ignores it.
   */
  readonly documents?: readonly (string | undefined)[];
}

/** Options of {@link NerTagger.tag}. @public */
export interface TagOptions extends TagTokensOptions {
  /**
   * The unit of every offset in the result (sentences', tokens', entities' `start` and `end`): `'utf16'` (default)
   * counts UTF-16 code units, as JavaScript's `string.slice` does; `'codePoints'` counts code points, as Python's
   * `text[start:end]` does. They differ after a character outside the Basic Multilingual Plane, such as an emoji.
   */
  readonly offsets?: OffsetUnit;
}

/** Tags and per-token confidences of one tokenized sentence. @public */
export interface TokenTags {
  /** The predicted tag of each token. */
  readonly tags: string[];
  /** Each tag's probability (softmax) or CRF marginal, in [0, 1]. */
  readonly confidence: number[];
}

/**
 * One sentence of tagged raw text. Offsets are `[start, end)` into the input, in UTF-16 code units by default (so
 * `input.slice(start, end)` is the text), or in code points with `tag(text, { offsets: 'codePoints' })`.
 * @public
 */
export interface TaggedSentence {
  /** The sentence's text and its `[start, end)` offsets in the input. */
  readonly text: string;
  /** The offset of the sentence's first character in the input. */
  readonly start: number;
  /** The offset just past its last character. */
  readonly end: number;
  /** Its tokens (offsets into the input) and their predicted IOB2 tags. */
  readonly tokens: readonly Token[];
  /** The predicted IOB2 tag of each token. */
  readonly tags: readonly string[];
  /** The entities the tags make, in order. */
  readonly entities: TaggedEntity[];
}
