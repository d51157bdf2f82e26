import { type Example, maxShape, type NDArray, stackPadded } from './ndarray.js';
import { requireInput, type Stream, type StreamFn } from './stream.js';

/** Options of {@link Batch}. @public */
export interface BatchOptions {
  /** Yield a last, smaller batch when the input ends (default false: dropped, as in Trax). */
  keepRemainder?: boolean;
  /** The padding value (default 0). */
  padValue?: number;
}

/**
 * Stacks a list of examples into one batch: the i-th arrays of all examples are padded (at the end of every
 * axis) to their largest size and stacked along a new leading batch axis. `shapes[i]`, when given, is the
 * per-example shape array `i` is padded to instead.
 * @public
 */
export function stackExamples(examples: readonly Example[], padValue = 0, shapes?: ReadonlyArray<readonly number[] | undefined>): NDArray[] {
  const width = examples[0]!.length;
  for (const e of examples) {
    if (e.length !== width) throw new RangeError(`data: cannot batch examples of ${width} and ${e.length} arrays`);
  }
  return Array.from({ length: width }, (_, i) => {
    const column = examples.map((e) => e[i]!);
    return stackPadded(column, shapes?.[i] ?? maxShape(column), padValue);
  });
}

/**
 * Groups consecutive examples into batches of `batchSize`, padding within a batch to the longest example (like
 * `tf.data`'s `padded_batch`). A last, incomplete batch is dropped unless `keepRemainder` is set.
 * @public
 */
export function Batch(batchSize: number, options: BatchOptions = {}): StreamFn<Example, NDArray[]> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`data.Batch: batch size must be a positive integer, got ${batchSize}`);
  const { keepRemainder = false, padValue = 0 } = options;
  return (input?: Stream<Example>) => {
    const source = requireInput(input, 'Batch');
    return (async function* (): AsyncGenerator<NDArray[]> {
      let buffer: Example[] = [];
      for await (const example of source) {
        buffer.push(example);
        if (buffer.length === batchSize) {
          yield stackExamples(buffer, padValue);
          buffer = [];
        }
      }
      if (keepRemainder && buffer.length > 0) yield stackExamples(buffer, padValue);
    })();
  };
}
