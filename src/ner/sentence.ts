/**
 * The unit every NER reader yields: one tokenized, tagged sentence.
 */

/** One sentence: its words and their tags (same length), and optionally part-of-speech tags. @public */
export interface Sentence {
  /** An identifier unique within its corpus (the GMB sentence number, or the sentence's ordinal in a CoNLL file). */
  readonly id: string;
  /** The sentence's tokens. */
  readonly words: string[];
  /** The entity tag of each word (IOB2 or the corpus's scheme). */
  readonly tags: string[];
  /** The part-of-speech tag of each word, when the corpus has them. */
  readonly pos?: string[];
}
