/**
 * The unit every NER reader yields: one tokenized, tagged sentence.
 */

/**
 * One sentence: its words and their tags (same length), optionally part-of-speech tags, and where it stands in
 * its document (the readers give both; the block split keeps a document's sentences together). @public
 */
export interface Sentence {
  /** An identifier unique within its corpus (the GMB sentence number, or the sentence's ordinal in a CoNLL file). */
  readonly id: string;
  /** The sentence's tokens. */
  readonly words: string[];
  /** The entity tag of each word (IOB2 or the corpus's scheme). */
  readonly tags: string[];
  /** The part-of-speech tag of each word, when the corpus has them. */
  readonly pos?: string[];
  /**
   * The document the sentence belongs to, unique within its corpus: in a CoNLL file the 1-based ordinal of the
   * document (`-DOCSTART-` lines start documents; a file without them is one document, `'1'`); in the GMB CSV,
   * which records no documents, a run of consecutive sentences (see `GMB_DOCUMENT_SENTENCES`).
   */
  readonly document?: string;
  /** The sentence's 0-based position in its document. */
  readonly position?: number;
}
