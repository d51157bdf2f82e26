/**
 * A deterministic, seeded train/dev/test split by sentence.
 */

import { makeKey, permutation } from '../../rng/key.js';

/** Options of {@link splitCorpus}. @public */
export interface SplitCorpusOptions {
  /** Seed of the shuffle (a non-negative safe integer). */
  readonly seed: number;
  /** Fractions of the sentences for train, dev and test: non-negative, summing to 1 (default [0.8, 0.1, 0.1]). */
  readonly fractions?: readonly [number, number, number];
}

/** The three parts of a split. @public */
export interface CorpusSplit<T> {
  /** The items to train on. */
  readonly train: T[];
  /** The items to choose hyperparameters and checkpoints on. */
  readonly dev: T[];
  /** The held-out items to report the final scores on. */
  readonly test: T[];
}

/**
 * Splits `items` (sentences) into train, dev and test.
 *
 * The recipe, so that it can be reproduced anywhere: `order = permutation(makeKey(seed), n)` (Threefry-driven
 * Fisher-Yates from src/rng/key.ts); with cumulative cuts `a = round(n * f0)`, `b = round(n * (f0 + f1))`,
 * train takes the items at positions `order[0..a)`, dev `order[a..b)`, test `order[b..n)`. Each part then keeps
 * the items in their original corpus order (shuffling for training is the data pipeline's job). The same
 * seed, fractions and corpus always give the same split; every item lands in exactly one part.
 * @public
 */
export function splitCorpus<T>(items: readonly T[], options: SplitCorpusOptions): CorpusSplit<T> {
  const fractions = options.fractions ?? [0.8, 0.1, 0.1];
  if (fractions.length !== 3 || fractions.some((f) => !Number.isFinite(f) || f < 0)) {
    throw new RangeError(`splitCorpus: fractions must be three non-negative numbers (train, dev, test), got ${JSON.stringify(fractions)}`);
  }
  const total = fractions[0] + fractions[1] + fractions[2];
  if (Math.abs(total - 1) > 1e-9) {
    throw new RangeError(`splitCorpus: fractions must sum to 1, got ${JSON.stringify(fractions)} (sum ${total})`);
  }
  const n = items.length;
  const order = permutation(makeKey(options.seed), n);
  const trainEnd = Math.round(n * fractions[0]);
  const devEnd = Math.max(trainEnd, Math.min(n, Math.round(n * (fractions[0] + fractions[1]))));
  const part = (from: number, to: number): T[] =>
    order
      .slice(from, to)
      .sort((a, b) => a - b)
      .map((index) => items[index]!);
  return { train: part(0, trainEnd), dev: part(trainEnd, devEnd), test: part(devEnd, n) };
}
