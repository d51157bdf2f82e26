/**
 * The unit every NER reader yields: one tokenized, tagged sentence.
 */

/** One sentence: its words and their tags (same length), and optionally part-of-speech tags. @public */
export interface Sentence {
  /** An identifier unique within its corpus (the GMB sentence number, or the sentence's ordinal in a CoNLL file). */
  readonly id: string;
  readonly words: string[];
  readonly tags: string[];
  readonly pos?: string[];
}
