import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { sumOfSquares } from '../backend/fused/sum_of_squares_kernel.js';

/**
 * The L2 norm of all the tensors together, `sqrt(sum_i sum(t_i^2))`, as a float32 scalar.
 * @public
 */
export function globalNorm(tensors: readonly Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    const squares = tensors.map((t) => sumOfSquares(t));
    return tf.addN(squares).sqrt();
  });
}

/**
 * Gradient clipping by global norm (Trax's `clip_grad_norm`): when the norm of all gradients together is at
 * least `maxNorm`, every gradient is scaled by `maxNorm / norm`, so their joint direction is kept and their
 * joint norm becomes `maxNorm`; otherwise they are returned unchanged. `norm` may be passed when already known.
 * @public
 */
export function clipByGlobalNorm(grads: readonly Tensor[], maxNorm: number, norm?: tf.Scalar): Tensor[] {
  if (!(maxNorm > 0)) throw new RangeError(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  return tf.tidy(() => {
    const n = norm ?? globalNorm(grads);
    const scale = tf.where(n.less(maxNorm), tf.scalar(1), tf.scalar(maxNorm).div(n));
    return grads.map((g) => g.mul(scale));
  });
}
