/**
 * Tagged sentences as training examples: feature rows, tag ids and loss weights.
 */
import type { Example, NDArray } from '../../data/ndarray.js';
import type { NerModelConfig } from '../model/config.js';
import { encodeFeatures, featureLayout } from '../model/features.js';
import type { Sentence } from '../sentence.js';
import { contextWindows, documentRuns, windowTokens } from './context_windows.js';
import type { NerVocabs } from './vocabs.js';

/** The model settings that shape an encoded example: word shapes, character features, word length, context. @public */
export type ExampleConfig = Pick<NerModelConfig, 'wordShapes' | 'charFeatures' | 'maxWordLength'> &
  Partial<Pick<NerModelConfig, 'contextTokens'>>;

/**
 * One sentence as the example `(features, tags, weights)`: features `int32 [L, F]` (see `featureLayout`), tag
 * ids `int32 [L]`, weights `float32 [L]` of ones. Batching pads all three with 0, so padded positions get weight 0
 * and never count in the loss or metrics. A tag the vocabulary does not know is an `UnknownTagError` naming it.
 * @public
 */
export function encodeExample(sentence: Pick<Sentence, 'words' | 'tags'>, vocabs: NerVocabs, config: ExampleConfig): Example {
  const length = sentence.words.length;
  if (sentence.tags.length !== length) throw new RangeError(`encodeExample: ${length} words but ${sentence.tags.length} tags`);
  const width = featureLayout(config).width;
  const features: NDArray = { dtype: 'int32', shape: [length, width], data: encodeFeatures(sentence.words, vocabs, config) };
  const tags: NDArray = { dtype: 'int32', shape: [length], data: Int32Array.from(vocabs.tags.encode(sentence.tags)) };
  const weights: NDArray = { dtype: 'float32', shape: [length], data: new Float32Array(length).fill(1) };
  return [features, tags, weights];
}

/**
 * One context window as the example `(features, tags, weights)` of a context model: the window's words and tags
 * (`words`, `tags`), the target flag 1 on `[targetStart, targetEnd)`, and loss weights 1 there and 0 on the
 * context, so only the target sentence's tokens count in the loss and metrics.
 * @public
 */
export function encodeWindowExample(
  window: { words: readonly string[]; tags: readonly string[]; targetStart: number; targetEnd: number },
  vocabs: NerVocabs,
  config: ExampleConfig,
): Example {
  const { words, targetStart, targetEnd } = window;
  const length = words.length;
  if (window.tags.length !== length) throw new RangeError(`encodeWindowExample: ${length} words but ${window.tags.length} tags`);
  if (!(
    Number.isInteger(targetStart) &&
    Number.isInteger(targetEnd) &&
    targetStart >= 0 &&
    targetStart < targetEnd &&
    targetEnd <= length
  )) {
    throw new RangeError(
      `encodeWindowExample: target [${targetStart}, ${targetEnd}) is not a non-empty part of a window of ${length} tokens`,
    );
  }
  const width = featureLayout(config).width;
  const features: NDArray = {
    dtype: 'int32',
    shape: [length, width],
    data: encodeFeatures(words, vocabs, config, undefined, 0, [targetStart, targetEnd]),
  };
  const tags: NDArray = { dtype: 'int32', shape: [length], data: Int32Array.from(vocabs.tags.encode(window.tags)) };
  const weights: NDArray = { dtype: 'float32', shape: [length], data: new Float32Array(length).fill(1, targetStart, targetEnd) };
  return [features, tags, weights];
}

/**
 * The examples of sentences: with `contextTokens` 0 (or absent) {@link encodeExample} for every sentence; above 0,
 * {@link encodeWindowExample} for every sentence inside its `contextWindow` of its document (the runs of
 * consecutive sentences with the same `document`, see `documentRuns`). Empty sentences are skipped (they give no
 * example and no context).
 * @public
 */
export function encodeExamples(
  sentences: readonly Pick<Sentence, 'words' | 'tags' | 'document'>[],
  vocabs: NerVocabs,
  config: ExampleConfig,
): Example[] {
  const nonEmpty = sentences.filter((s) => s.words.length > 0);
  const contextTokens = config.contextTokens ?? 0;
  if (contextTokens === 0) return nonEmpty.map((s) => encodeExample(s, vocabs, config));
  return documentRuns(nonEmpty.length, (i) => nonEmpty[i]!.document).flatMap((run) => {
    const doc = run.map((i) => nonEmpty[i]!);
    const words = doc.map((s) => s.words);
    const tags = doc.map((s) => s.tags);
    return contextWindows(
      words.map((w) => w.length),
      contextTokens,
    ).map((w) =>
      encodeWindowExample(
        { words: windowTokens(words, w), tags: windowTokens(tags, w), targetStart: w.targetStart, targetEnd: w.targetEnd },
        vocabs,
        config,
      ),
    );
  });
}
