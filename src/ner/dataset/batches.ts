/**
 * Batches of tagging examples through the data pipeline: shuffled epochs, word dropout, bucketing by length,
 * padding with loss weight 0. Every stage is deterministic given the seed, so the training loop can resume a run
 * by replaying the pipeline to its saved position.
 */
import { BucketByLength } from '../../data/bucket_by_length.js';
import { FilterByLength } from '../../data/filter_by_length.js';
import type { Example, NDArray } from '../../data/ndarray.js';
import { ShuffledEpochs } from '../../data/shuffled_epochs.js';
import { Serial, type Stream, type StreamFn, type StreamFnLike } from '../../data/stream.js';
import { foldIn, type Key, makeKey, randomBits } from '../../rng/key.js';
import { WordVocab } from '../vocab/word_vocab.js';

/** Options of {@link nerBatches}. @public */
export interface NerBatchOptions {
  /** Seed of the shuffling and of the word dropout. */
  readonly seed: number;
  /** About this many token positions (padding included) per batch (default 2048). */
  readonly batchTokens?: number;
  /** Bucket boundaries by sentence length (default [8, 12, 16, 20, 24, 28, 32, 40, 48, 64]). */
  readonly boundaries?: readonly number[];
  /** Reshuffle and repeat forever, one permutation per epoch (default true: training). */
  readonly repeat?: boolean;
  /** With `repeat: false`, keep the corpus order instead of shuffling (default false). */
  readonly ordered?: boolean;
  /** Drop sentences longer than this (default: keep all). */
  readonly maxLength?: number;
  /** Probability of replacing a real token's word id by UNK, so the model learns to use UNK (default 0). */
  readonly unkRate?: number;
}

/**
 * Word dropout: each real token's word id (column 0 of the features) becomes UNK with probability `rate`, drawn
 * from `foldIn(key, n)` for the n-th example of the stream (so the same position always gets the same draw).
 * @public
 */
export function WordDropout(rate: number, key: Key): StreamFn<Example, Example> {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`WordDropout: rate must be in [0, 1), got ${rate}`);
  return (input?: Stream<Example>) =>
    (async function* (): AsyncGenerator<Example> {
      if (!input) throw new Error('data.WordDropout: needs an input stream');
      let n = 0;
      for await (const example of input) {
        const features = example[0]!;
        const [length, width] = features.shape as [number, number];
        const bits = randomBits(foldIn(key, n++), length);
        const data = Int32Array.from(features.data);
        for (let t = 0; t < length; t++)
          if (data[t * width]! > WordVocab.UNK_ID && bits[t]! / 2 ** 32 < rate) data[t * width] = WordVocab.UNK_ID;
        yield [{ ...features, data }, ...example.slice(1)];
      }
    })();
}

/** Sentences per batch for each bucket: `batchTokens / boundary`, at least 1. */
function batchSizesFor(boundaries: readonly number[], batchTokens: number, longest: number): number[] {
  return [...boundaries, Math.max(longest, boundaries[boundaries.length - 1]! * 2)].map((b) => Math.max(1, Math.floor(batchTokens / b)));
}

/**
 * A data pipeline (call it to build the stream) from encoded examples (see `encodeExample`) to batches
 * `(features [B, L, F], tags [B, L], weights [B, L])`, sentences of similar length together, each batch padded to
 * its longest sentence with zeros (weight 0). Training (`repeat`, the default): endless shuffled epochs; a partly
 * filled bucket waits for the next epoch. Evaluation (`repeat: false`): one pass, every sentence in some batch.
 * @public
 */
export function nerBatches(examples: readonly Example[], options: NerBatchOptions): StreamFn<unknown, NDArray[]> {
  const { seed, batchTokens = 2048, boundaries = [8, 12, 16, 20, 24, 28, 32, 40, 48, 64], repeat = true, unkRate = 0 } = options;
  if (!Number.isInteger(batchTokens) || batchTokens < 1)
    throw new RangeError(`nerBatches: batchTokens must be a positive integer, got ${batchTokens}`);
  const [shuffleKey, dropKey] = [foldIn(makeKey(seed), 1), foldIn(makeKey(seed), 2)];
  const longest = examples.reduce((m, e) => Math.max(m, e[0]!.shape[0]!), 1);
  const stages: StreamFnLike[] = [ShuffledEpochs(examples, shuffleKey, { repeat, ordered: options.ordered ?? false })];
  if (options.maxLength !== undefined) stages.push(FilterByLength(options.maxLength, { lengthKeys: [0] }));
  if (unkRate > 0) stages.push(WordDropout(unkRate, dropKey));
  stages.push(
    BucketByLength(boundaries, batchSizesFor(boundaries, batchTokens, longest), { lengthKeys: [0], padTo: 'max', keepRemainder: !repeat }),
  );
  return Serial(...stages);
}
