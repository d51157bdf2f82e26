/**
 * `train --word-vectors FILE`: reading the vectors a run's corpus needs, the vocabulary they extend, the word
 * embedding's width, and its initial rows.
 */
import { ner } from '../../src/index.js';
import type { NerRecipeOptions } from './options.js';

/** What a run with word vectors starts from. */
export interface RecipeVectors {
  /** The word vocabulary: the training words plus the dev/test words that have a vector (unless it was saved). */
  words: ner.WordVocab;
  /** The model with `wordVectorDim` set for the vectors' dimension (0 when it is `dModel`). */
  model: ner.NerModelConfig;
  /** The word embedding's initial rows. */
  rows: ner.WordEmbeddingRows;
  /** One line for the log. */
  summary: string;
}

/**
 * The word-embedding width a model needs for vectors of dimension `dim`: 0 (no projection) when `dim` is
 * `dModel`, else `dim`; a model that already asks for another width is refused.
 */
export function modelForVectors(model: ner.NerModelConfig, dim: number, file: string): ner.NerModelConfig {
  const wanted = dim === model.dModel ? 0 : dim;
  if (model.wordVectorDim !== 0 && model.wordVectorDim !== dim && !(wanted === 0 && model.wordVectorDim === model.dModel)) {
    throw new RangeError(
      `--word-vectors ${file}: vectors of dimension ${dim}, but the model's wordVectorDim is ${model.wordVectorDim} (leave it 0: it is set from the vectors)`,
    );
  }
  return ner.resolveNerModelConfig({ ...model, wordVectorDim: wanted });
}

/**
 * Reads the vectors of `file` that `sentences` (every split's) can look up, extends `trainWords` with the dev and
 * test words that have one (`extend`: false when the vocabulary was saved by the run), and makes the rows.
 * Lower-case vectors (GloVe) need the word-shape feature, which keeps the case the lookup loses.
 */
export async function loadRecipeVectors(
  file: string,
  model: ner.NerModelConfig,
  trainWords: ner.WordVocab,
  splits: { train: readonly ner.Sentence[]; dev: readonly ner.Sentence[]; test: readonly ner.Sentence[] },
  extend: boolean,
): Promise<RecipeVectors> {
  const forms = ner.vectorLookupForms([...splits.train, ...splits.dev, ...splits.test], trainWords);
  const vectors = await ner.readWordVectors(file, { keep: (w) => forms.has(w) });
  const lowercase = ner.isLowercaseVectors(vectors);
  if (lowercase && !model.wordShapes) {
    throw new RangeError(
      `--word-vectors ${file}: the vectors are lower-case (GloVe), so the model needs the word-shape feature for the case: drop --no-word-shapes`,
    );
  }
  const { vocab: words, added } = extend
    ? ner.addVectorWords(trainWords, [...splits.dev, ...splits.test], vectors)
    : { vocab: trainWords, added: [] };
  const rows = ner.wordEmbeddingRows(words, vectors);
  const resolved = modelForVectors(model, vectors.dim, file);
  const summary =
    `Word vectors ${file}: ${vectors.size} of the corpus's word forms have a vector of dimension ${vectors.dim}` +
    `${lowercase ? ' (lower-case: looked up lower-cased, case from the word shapes)' : ''}; ${rows.found} of ${words.size} vocabulary words start from one` +
    `${extend ? ` (${added.length} of them dev/test words added to the vocabulary)` : ''}` +
    `${resolved.wordVectorDim > 0 ? `, projected to dModel ${resolved.dModel}` : ''}`;
  return { words, model: resolved, rows, summary };
}

/**
 * `o` with the word-embedding width a saved run set from its vectors, when `o` asks for vectors and leaves the
 * width to them (`wordVectorDim` 0): what a resumed run is compared with and continues with.
 */
export function withSavedVectorWidth(
  o: NerRecipeOptions,
  saved: { settings: { model: ner.NerModelConfig } } | undefined,
): NerRecipeOptions {
  if (!saved || o.wordVectors === '' || o.model.wordVectorDim !== 0) return o;
  return { ...o, model: ner.resolveNerModelConfig({ ...o.model, wordVectorDim: saved.settings.model.wordVectorDim }) };
}
