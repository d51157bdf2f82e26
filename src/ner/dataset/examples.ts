/**
 * Tagged sentences as training examples: feature rows, tag ids and loss weights.
 */
import type { Example, NDArray } from '../../data/ndarray.js';
import type { NerModelConfig } from '../model/config.js';
import { encodeFeatures, featureLayout } from '../model/features.js';
import type { Sentence } from '../sentence.js';
import type { NerVocabs } from './vocabs.js';

/**
 * One sentence as the example `(features, tags, weights)`: features `int32 [L, F]` (see `featureLayout`), tag
 * ids `int32 [L]`, weights `float32 [L]` of ones. Batching pads all three with 0, so padded positions get weight 0
 * and never count in the loss or metrics. A tag the vocabulary does not know is an `UnknownTagError` naming it.
 * @public
 */
export function encodeExample(sentence: Pick<Sentence, 'words' | 'tags'>, vocabs: NerVocabs, config: Pick<NerModelConfig, 'wordShapes' | 'charFeatures' | 'maxWordLength'>): Example {
  const length = sentence.words.length;
  if (sentence.tags.length !== length) throw new RangeError(`encodeExample: ${length} words but ${sentence.tags.length} tags`);
  const width = featureLayout(config).width;
  const features: NDArray = { dtype: 'int32', shape: [length, width], data: encodeFeatures(sentence.words, vocabs, config) };
  const tags: NDArray = { dtype: 'int32', shape: [length], data: Int32Array.from(vocabs.tags.encode(sentence.tags)) };
  const weights: NDArray = { dtype: 'float32', shape: [length], data: new Float32Array(length).fill(1) };
  return [features, tags, weights];
}

/** {@link encodeExample} for every sentence (empty sentences are skipped). @public */
export function encodeExamples(sentences: readonly Pick<Sentence, 'words' | 'tags'>[], vocabs: NerVocabs, config: Pick<NerModelConfig, 'wordShapes' | 'charFeatures' | 'maxWordLength'>): Example[] {
  return sentences.filter((s) => s.words.length > 0).map((s) => encodeExample(s, vocabs, config));
}
