import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { uniform } from '../rng/random.js';

/**
 * Multi-head projection helpers shared by the efficient attention layers. Heads are stored side by side in one
 * matrix (`[dModel, nHeads * d]`, head `h` in columns `h*d .. (h+1)*d`), so that projecting all heads is one
 * 2-D product, the fast case on wasm.
 */

/**
 * Trax's attention kernel initialiser: uniform in `±sqrt(6 / (dModel + nHeads * d))`, i.e. Glorot-uniform with
 * respect to the total size over all heads. `shape` is `[dModel, nHeads * d]` (or its transpose for the output).
 */
export function attentionKernel(rng: Key, shape: [number, number]): Tensor {
  const limit = Math.sqrt(6 / (shape[0] + shape[1]));
  return uniform(rng, shape, -limit, limit);
}

/** `[B, L, D]` as the 2-D `[B * L, D]` a projection multiplies (3-D x 2-D matMul gradients are broken in tfjs). */
export function flattenTokens(x: Tensor): Tensor {
  return x.reshape([-1, x.shape[x.rank - 1]!]);
}

/** Projects `[B * L, D]` rows by `w` (`[D, nHeads * d]`) into heads: `[B, nHeads, L, d]`. */
export function projectToHeads(rows: Tensor, w: Tensor, batch: number, length: number, nHeads: number): Tensor {
  const d = w.shape[1]! / nHeads;
  return tf.transpose(tf.matMul(rows, w).reshape([batch, length, nHeads, d]), [0, 2, 1, 3]);
}

/**
 * Repeats each item of `x` (`[B, ...]`) `nHeads` times along axis 0: `[B * nHeads, ...]`, item `b` at rows
 * `b * nHeads .. (b + 1) * nHeads - 1` (a per-sentence mask made per head). A row gather, which wasm runs as one
 * copy per row, where `tf.tile` takes a strided loop per element (about 20x slower).
 */
export function repeatPerHead(x: Tensor, nHeads: number): Tensor {
  const batch = x.shape[0];
  const index = tf.tensor1d(
    Int32Array.from({ length: batch * nHeads }, (_, i) => Math.floor(i / nHeads)),
    'int32',
  );
  const repeated = tf.gather(x, index, 0);
  index.dispose();
  return repeated;
}

/** Merges `[B, nHeads, L, d]` back into rows `[B * L, nHeads * d]`. */
export function mergeHeadsToRows(x: Tensor): Tensor {
  const [batch, nHeads, length, d] = x.shape as [number, number, number, number];
  return tf.transpose(x, [0, 2, 1, 3]).reshape([batch * length, nHeads * d]);
}

/** Trax's `length_normalized`: each vector divided by its root mean square (`x / sqrt(mean(x^2) + eps)`). */
export function lengthNormalized(x: Tensor, epsilon = 1e-6): Tensor {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon))));
}
