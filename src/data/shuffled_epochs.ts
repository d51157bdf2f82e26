import { foldIn, type Key, permutation } from '../rng/key.js';
import type { StreamFn } from './stream.js';

/** Options of {@link ShuffledEpochs}. @public */
export interface ShuffledEpochsOptions {
  /** Epoch after epoch forever (default true: training); false gives one epoch and ends. */
  readonly repeat?: boolean;
  /** With `repeat: false`, the items in their own order instead of shuffled (default false: evaluation in order). */
  readonly ordered?: boolean;
}

/**
 * A source stage over an array held in memory: its items epoch after epoch, each epoch in the order of a fresh
 * permutation drawn from `foldIn(key, epoch)`; or one epoch when `repeat` is false (in the items' own order when
 * `ordered` is true as well). Unlike {@link Shuffle}, which shuffles through a queue, every epoch is a full
 * permutation, and the order depends on the key alone, so a pipeline started from it replays to any position.
 * An empty array gives an empty stream.
 *
 * @example
 * ```ts
 * const batches = data.Serial(data.ShuffledEpochs(examples, makeKey(1)), data.Batch(32));
 * ```
 * @public
 */
export function ShuffledEpochs<T>(items: readonly T[], key: Key, options: ShuffledEpochsOptions = {}): StreamFn<unknown, T> {
  if (!Array.isArray(items)) throw new TypeError(`data.ShuffledEpochs: items must be an array, got ${typeof items}`);
  const repeat = options.repeat ?? true;
  return () =>
    (async function* (): AsyncGenerator<T> {
      if (items.length === 0) return;
      for (let epoch = 0; ; epoch++) {
        const order = !repeat && options.ordered ? items.map((_, i) => i) : permutation(foldIn(key, epoch), items.length);
        for (const i of order) yield items[i]!;
        if (!repeat) return;
      }
    })();
}
