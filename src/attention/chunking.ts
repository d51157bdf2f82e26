import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';

/**
 * Helpers for chunked attention: padding a sequence to a whole number of chunks and gathering each chunk's
 * neighbours. All are differentiable compositions of `pad`, `slice` and `concat`.
 */

/** The smallest multiple of `chunkLen` that holds `length` items (at least one chunk). */
export function paddedLength(length: number, chunkLen: number): number {
  return Math.max(1, Math.ceil(length / chunkLen)) * chunkLen;
}

/** Pads axis `axis` of `x` with zeros (at the end) to `length`. */
export function padAxisTo(x: Tensor, axis: number, length: number): Tensor {
  const current = x.shape[axis]!;
  if (current === length) return x;
  if (current > length) throw new Error(`padAxisTo: axis ${axis} has ${current} items, more than ${length}`);
  const paddings = x.shape.map((_, i): [number, number] => (i === axis ? [0, length - current] : [0, 0]));
  return tf.pad(x, paddings);
}

/** The first `length` items of axis `axis` of `x`. */
export function takeAxis(x: Tensor, axis: number, length: number): Tensor {
  if (x.shape[axis] === length) return x;
  const size = x.shape.map((d, i) => (i === axis ? length : d));
  return tf.slice(
    x,
    x.shape.map(() => 0),
    size,
  );
}

/** `x` viewed as `[before, n, after]` around axis `axis` (3-D slices and concats run on wasm's fast paths). */
function asThreeD(x: Tensor, axis: number): Tensor {
  const before = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const after = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return x.reshape([before, x.shape[axis]!, after]);
}

/** Rolls axis 1 of a 3-D tensor: item `t` of the result is item `(t + offset) mod n`. */
function roll3d(x: Tensor, offset: number): Tensor {
  const [p, n, q] = x.shape as [number, number, number];
  const o = ((offset % n) + n) % n;
  if (o === 0) return x;
  return tf.concat([tf.slice(x, [0, o, 0], [p, n - o, q]), tf.slice(x, [0, 0, 0], [p, o, q])], 1);
}

/**
 * Trax's `look_adjacent`: for chunks along `chunkAxis` (items along `chunkAxis + 1`), concatenates along
 * `chunkAxis + 1` the chunks at offsets `-before, ..., 0, ..., after` (in that order, wrapping around the ends),
 * so that chunk `t` holds `(1 + before + after) * chunkLen` items. Which of them a query may use is decided by
 * the caller's masks (see {@link neighbourOffsets}).
 *
 * One custom-gradient op: the gradient of chunk `t`'s copy at offset `o` goes back to chunk `t + o`, i.e. the
 * gradient is the sum of the output's slices rolled back. Nothing is kept for the backward pass (tfjs's own
 * slice/concat gradients would keep every rolled copy). Runs as 3-D slices and concats, fast on wasm (whose
 * slices of rank > 4 take a slow generic path).
 */
export function lookAdjacent(x: Tensor, chunkAxis: number, before: number, after: number): Tensor {
  if (before === 0 && after === 0) return x;
  const offsets = neighbourOffsets(before, after);
  const shape = [...x.shape];
  shape[chunkAxis + 1] = shape[chunkAxis + 1]! * offsets.length;
  const op = tf.customGrad((...args: unknown[]) => {
    const input = args[0] as Tensor;
    const x3 = asThreeD(input, chunkAxis);
    const [p, n, q] = x3.shape as [number, number, number];
    return {
      value: tf
        .concat(
          offsets.map((o) => roll3d(x3, o)),
          2,
        )
        .reshape(shape),
      gradFunc: (dy: Tensor | Tensor[]) =>
        tf.tidy(() => {
          const parts = tf.split((dy as Tensor).reshape([p, n, q * offsets.length]), offsets.length, 2);
          return tf.addN(parts.map((part, j) => roll3d(part, -offsets[j]!))).reshape(input.shape);
        }),
    };
  });
  return op(x);
}

/** The chunk offsets {@link lookAdjacent} concatenates, in order. */
export function neighbourOffsets(before: number, after: number): number[] {
  return Array.from({ length: before + after + 1 }, (_, i) => i - before);
}
