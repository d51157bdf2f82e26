/**
 * A batch of host arrays cut along its first axis into shards of (nearly) equal size, for data-parallel training:
 * the first `B % n` shards get one row more. Each shard's arrays are copies (their buffers can be transferred).
 */
import type { NDArray } from '../data/ndarray.js';

/** The rows `[start, end)` of an array's first axis, as a new array. */
function rows(a: NDArray, start: number, end: number): NDArray {
  const rowSize = a.shape.slice(1).reduce((n, d) => n * d, 1);
  return { dtype: a.dtype, shape: [end - start, ...a.shape.slice(1)], data: a.data.slice(start * rowSize, end * rowSize) };
}

/**
 * `batch` cut into `min(n, B)` shards along axis 0 (every array of the batch must have the same first dimension
 * `B`). Throws, naming the arrays, when they do not.
 */
export function splitBatch(batch: readonly NDArray[], n: number): NDArray[][] {
  const b = batch[0]?.shape[0];
  if (b === undefined || batch.some((a) => a.shape[0] !== b)) {
    throw new Error(
      `data-parallel training: every array of a batch must have the same first dimension (the batch size), got ${batch.map((a) => `[${a.shape.join(',')}]`).join(' ')}`,
    );
  }
  const shards = Math.max(1, Math.min(n, b));
  const base = Math.floor(b / shards);
  const extra = b % shards;
  const out: NDArray[][] = [];
  let start = 0;
  for (let s = 0; s < shards; s++) {
    const end = start + base + (s < extra ? 1 : 0);
    out.push(batch.map((a) => rows(a, start, end)));
    start = end;
  }
  return out;
}

/** The sum of an array's elements (a shard's loss weights: its share of a weighted-mean loss). */
export function sumOf(a: NDArray): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]!;
  return s;
}
