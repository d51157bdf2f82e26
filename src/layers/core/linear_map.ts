import { tf } from '../../backend/tf.js';
import type { Tensor } from '../../core/types.js';

/**
 * `x · w` over the last axis of `x`, for `x` of any rank >= 1 and a 2-D `w` of shape `[dIn, dOut]`: the leading
 * axes of `x` are flattened into rows, multiplied by one 2-D `matMul`, and restored. Stock tfjs fails to
 * differentiate a 3-D by 2-D `matMul` (`backend/replacements/batch_matmul_gradient.ts` repairs that) and wasm runs 2-D products fastest,
 * so every layer that applies a weight matrix goes through here.
 * @public
 */
export function linearMap(x: Tensor, w: Tensor): Tensor {
  if (w.rank !== 2) throw new RangeError(`linearMap: the weight must be 2-D, got shape [${w.shape.join(',')}]`);
  const dIn = w.shape[0];
  const depth = x.shape[x.rank - 1];
  if (x.rank < 1 || depth !== dIn) {
    throw new RangeError(`linearMap: input of shape [${x.shape.join(',')}] does not fit a weight of shape [${w.shape.join(',')}]`);
  }
  if (x.rank === 2) return tf.matMul(x, w);
  const rows = tf.reshape(x, [-1, dIn]);
  return tf.reshape(tf.matMul(rows, w), [...x.shape.slice(0, -1), w.shape[1]!]);
}
