import { foldIn, type Key, makeKey, permutation, randomBits, splitKey } from '../rng/key.js';
import { requireInput, type Stream, type StreamFn } from './stream.js';

/**
 * Shuffles a stream through a queue of `queueSize` items (Trax's streaming shuffle): the queue is filled first,
 * then each new item takes the place of one drawn at random from the queue, which is yielded; when the input
 * ends, the rest of the queue comes out in a random order.
 *
 * The draws come from `key` alone (the n-th draw from `foldIn(key, n)`), so the same key and input give the
 * same order on every run: what lets a pipeline be replayed to a saved position. Trax's default queue size is
 * 1024; a queue of 1 does not shuffle.
 * @public
 */
export function Shuffle<T>(queueSize = 1024, key: Key = makeKey(0)): StreamFn<T, T> {
  if (!Number.isInteger(queueSize) || queueSize < 1) throw new RangeError(`data.Shuffle: queueSize must be a positive integer, got ${queueSize}`);
  const [drawKey, drainKey] = splitKey(key, 2) as [Key, Key];
  return (input?: Stream<T>) => {
    const source = requireInput(input, 'Shuffle');
    return (async function* (): AsyncGenerator<T> {
      const queue: T[] = [];
      let draws = 0;
      for await (const item of source) {
        if (queue.length < queueSize) {
          queue.push(item);
          continue;
        }
        const i = Math.floor((randomBits(foldIn(drawKey, draws++), 1)[0]! / 2 ** 32) * queueSize);
        yield queue[i]!;
        queue[i] = item;
      }
      for (const i of permutation(drainKey, queue.length)) yield queue[i]!;
    })();
  };
}
