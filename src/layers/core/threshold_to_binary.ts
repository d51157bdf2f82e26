/**
 * ThresholdToBinary: probabilities to int32 0/1 decisions.
 */
import { tf } from '../../backend/tf.js';
import { Fn, type FnLayer } from '../../core/fn.js';
import type { ShapeDtype, Tensor } from '../../core/types.js';

/**
 * 1 (int32) where the input is strictly greater than `threshold` (default 0.5), else 0: the way from a binary
 * classifier's probabilities to its predictions, as `ArgMax` is for several classes. The shape is kept. The step
 * is flat almost everywhere, so its gradient is zero (as in Trax, where JAX gives comparisons a zero gradient;
 * tfjs's own comparison has none and would stop a gradient computation through the layer).
 * @public
 */
export function ThresholdToBinary(threshold = 0.5): FnLayer {
  if (!Number.isFinite(threshold)) throw new RangeError(`ThresholdToBinary: threshold must be a finite number, got ${threshold}`);
  const step = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as Tensor;
    return { value: tf.tidy(() => tf.cast(tf.greater(x, threshold), 'int32')), gradFunc: () => tf.zerosLike(x) };
  });
  return Fn('ThresholdToBinary', (x) => step(x), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: s.shape, dtype: 'int32' }),
  });
}
