/**
 * Streams and their composition, in the style of `trax.data`: a pipeline stage is a function from one stream
 * to another (or, for a source, from nothing to a stream), and `Serial` runs stages one after the other.
 */

/** A stream of items: anything `for await` can walk. @public */
export type Stream<T> = AsyncIterable<T>;

/**
 * One stage of a data pipeline: takes the stream so far (nothing, for a source) and gives a new stream.
 * Stages are lazy: nothing is read until the result is iterated.
 * @public
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StreamFn<I = any, O = any> = (input?: Stream<I>) => Stream<O>;

/** A stage, or a (nested) list of stages meaning their `Serial`. @public */
export type StreamFnLike = StreamFn | readonly StreamFnLike[];

function flatten(fns: readonly StreamFnLike[]): StreamFn[] {
  const out: StreamFn[] = [];
  for (const f of fns) {
    if (Array.isArray(f)) out.push(...flatten(f));
    else out.push(f as StreamFn);
  }
  return out;
}

/**
 * Composes pipeline stages: `Serial(source, Shuffle(), Batch(8))()` is the stream of batches. Calling the result
 * again builds a fresh stream from the start, which is how a pipeline is replayed to resume from a checkpoint
 * (see {@link ResumableStream}). Nested lists of stages are flattened, as in Trax.
 *
 * @example
 * ```ts
 * const batches = Serial(
 *   FromArray(examples, { repeat: true }),
 *   Shuffle(128, makeKey(1)),
 *   BucketByLength([8, 16], [32, 16, 8]),
 *   AddLossWeights(0),
 * );
 * for await (const [inputs, targets, weights] of batches()) { ... }
 * ```
 * @public
 */
export function Serial(...fns: StreamFnLike[]): StreamFn {
  const stages = flatten(fns);
  return (input?: Stream<unknown>) => {
    let stream = input;
    for (const stage of stages) stream = stage(stream);
    if (stream === undefined) throw new Error('data.Serial: a pipeline with no stages needs an input stream');
    return stream;
  };
}

/** The input of a stage that needs one, or an error naming the stage. */
export function requireInput<T>(input: Stream<T> | undefined, stage: string): Stream<T> {
  if (input === undefined) throw new Error(`data.${stage}: needs an input stream (put a source before it in Serial)`);
  return input;
}
