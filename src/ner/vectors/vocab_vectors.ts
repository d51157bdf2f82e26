/**
 * Pretrained word vectors meet the tagger's word vocabulary: which words to read from a vectors file, which dev
 * and test words join the vocabulary because they have a vector, and the word embedding's initial rows.
 *
 * A vocabulary entry (a word as the vocabulary normalises it) takes the vector of the entry itself, else that of
 * its lower-case form: exact matches first for cased vectors (word2vec, fastText), lower-case lookup for GloVe's
 * lower-cased vocabulary, whose case then lives in the word-shape feature. Browser-safe.
 */
import type { WordEmbeddingRows } from '../model/token_embedding.js';
import { type HasWords, WordVocab } from '../vocab/word_vocab.js';
import type { WordVectors } from './word_vectors.js';

/** The vector of a vocabulary entry: its own, else its lower-case form's, else undefined. @public */
export function vectorOfEntry(vectors: WordVectors, entry: string): Float32Array | undefined {
  return vectors.get(entry) ?? vectors.get(entry.toLowerCase());
}

/**
 * Every form in which the words of `sentences` may be looked up in a vectors file (each word as `vocab`
 * normalises it, and that in lower case): what `readWordVectors`'s `keep` needs, so that only these are kept.
 * @public
 */
export function vectorLookupForms(sentences: Iterable<HasWords>, vocab: WordVocab): Set<string> {
  const forms = new Set<string>();
  for (const sentence of sentences) {
    for (const word of sentence.words) {
      const entry = vocab.normalize(word);
      forms.add(entry);
      forms.add(entry.toLowerCase());
    }
  }
  return forms;
}

/** Whether no word of `vectors` has an upper-case letter (GloVe's vocabulary is lower-cased). @public */
export function isLowercaseVectors(vectors: WordVectors): boolean {
  return vectors.words.every((w) => w === w.toLowerCase());
}

/**
 * The vocabulary `vocab` (built from the training words) plus every word of `sentences` (dev and test text) that
 * it lacks and that has a vector, in order of first appearance: with pretrained vectors, a word never seen in
 * training still gets its own, meaningful row, which is what pretrained vectors are for. Only the words are
 * read, never the tags. `added` lists the new entries.
 * @public
 */
export function addVectorWords(
  vocab: WordVocab,
  sentences: Iterable<HasWords>,
  vectors: WordVectors,
): { vocab: WordVocab; added: string[] } {
  const added: string[] = [];
  const seen = new Set<string>();
  for (const sentence of sentences) {
    for (const word of sentence.words) {
      const entry = vocab.normalize(word);
      if (seen.has(entry) || vocab.has(word)) continue;
      seen.add(entry);
      if (vectorOfEntry(vectors, entry) !== undefined) added.push(entry);
    }
  }
  return { vocab: vocab.withWords(added), added };
}

/**
 * The word embedding's initial rows from `vectors`: the vector of each vocabulary entry that has one
 * ({@link vectorOfEntry}); PAD, UNK and words without a vector keep the random initialisation. `found` counts
 * the entries with a vector.
 * @public
 */
export function wordEmbeddingRows(vocab: WordVocab, vectors: WordVectors): WordEmbeddingRows & { readonly found: number } {
  const dim = vectors.dim;
  const values = new Float32Array(vocab.size * dim);
  const present = new Uint8Array(vocab.size);
  let found = 0;
  for (let id = WordVocab.UNK_ID + 1; id < vocab.size; id++) {
    const vector = vectorOfEntry(vectors, vocab.word(id));
    if (!vector) continue;
    values.set(vector, id * dim);
    present[id] = 1;
    found++;
  }
  return { dim, values, present, found };
}
