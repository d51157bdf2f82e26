import { match } from 'ts-pattern';
import { stackExamples } from './batch.js';
import { exampleLength, type LengthOptions } from './length.js';
import { type Example, maxShape, type NDArray } from './ndarray.js';
import { requireInput, type Stream, type StreamFn } from './stream.js';

/** Options of {@link BucketByLength}. @public */
export interface BucketByLengthOptions extends LengthOptions {
  /**
   * How far a batch is padded along the length axis: `'boundary'` (default) pads to its bucket's boundary, so
   * every batch of a bucket has the same shape; `'max'` pads to the longest example in the batch. The last
   * bucket has no boundary and always pads to the batch's longest example.
   */
  padTo?: 'boundary' | 'max';
  /** Which arrays are padded to the boundary (default: every array that has the length axis). */
  padKeys?: readonly number[];
  /** Yield the partly filled buckets when the input ends (default false: dropped, as in Trax). */
  keepRemainder?: boolean;
  /** The padding value (default 0). */
  padValue?: number;
}

/**
 * Batches examples of similar length together (like `tf.data.experimental.bucket_by_sequence_length`). An
 * example of length `l` goes to the first bucket whose boundary is `>= l` (the last bucket takes the rest);
 * when bucket `i` holds `batchSizes[i]` examples they are padded and yielded as one batch. `batchSizes` has one
 * more entry than `boundaries`.
 *
 * Trax pads to the boundary, or to a power of two when the boundary is over twice the batch's longest example;
 * here the choice is explicit (`padTo`).
 *
 * @example
 * ```ts
 * BucketByLength([8, 16, 32], [64, 32, 16, 8])   // length <= 8: batches of 64, padded to 8; ...
 * ```
 * @public
 */
export function BucketByLength(boundaries: readonly number[], batchSizes: readonly number[], options: BucketByLengthOptions = {}): StreamFn<Example, NDArray[]> {
  const { lengthAxis = 0, padTo = 'boundary', keepRemainder = false, padValue = 0 } = options;
  if (batchSizes.length !== boundaries.length + 1) {
    throw new RangeError(
      `data.BucketByLength: ${boundaries.length} boundaries need ${boundaries.length + 1} batch sizes, got ${batchSizes.length}`,
    );
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!(boundaries[i]! > boundaries[i - 1]!)) throw new RangeError(`data.BucketByLength: boundaries must increase, got [${boundaries.join(', ')}]`);
  }
  for (const b of batchSizes) {
    if (!Number.isInteger(b) || b <= 0) throw new RangeError(`data.BucketByLength: batch sizes must be positive integers, got [${batchSizes.join(', ')}]`);
  }

  const targetShapes = (bucket: number, examples: readonly Example[]): Array<number[] | undefined> => {
    const boundary = boundaries[bucket];
    return examples[0]!.map((a, i) => {
      const padded = options.padKeys ? options.padKeys.includes(i) : a.shape.length > lengthAxis;
      const usesBoundary = match(padTo)
        .with('boundary', () => boundary !== undefined && padded)
        .with('max', () => false)
        .exhaustive();
      if (!usesBoundary) return undefined;
      const shape = maxShape(examples.map((e) => e[i]!));
      shape[lengthAxis] = Math.max(shape[lengthAxis]!, boundary!);
      return shape;
    });
  };

  return (input?: Stream<Example>) => {
    const source = requireInput(input, 'BucketByLength');
    return (async function* (): AsyncGenerator<NDArray[]> {
      const buckets: Example[][] = batchSizes.map(() => []);
      for await (const example of source) {
        const length = exampleLength(example, options);
        let bucket = boundaries.findIndex((b) => length <= b);
        if (bucket < 0) bucket = boundaries.length;
        const held = buckets[bucket]!;
        held.push(example);
        if (held.length === batchSizes[bucket]) {
          yield stackExamples(held, padValue, targetShapes(bucket, held));
          buckets[bucket] = [];
        }
      }
      if (keepRemainder) {
        for (const [bucket, held] of buckets.entries()) {
          if (held.length > 0) yield stackExamples(held, padValue, targetShapes(bucket, held));
        }
      }
    })();
  };
}
