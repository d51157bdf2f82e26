/**
 * ThresholdToBinary: probabilities to int32 0/1 decisions.
 */
import { tf } from '../../backend/tf.js';
import { Fn, type FnLayer } from '../fn.js';
import type { ShapeDtype } from '../types.js';

/**
 * 1 (int32) where the input is strictly greater than `threshold` (default 0.5), else 0: the way from a binary
 * classifier's probabilities to its predictions, as `ArgMax` is for several classes. The shape is kept. It has no
 * gradient.
 * @public
 */
export function ThresholdToBinary(threshold = 0.5): FnLayer {
  if (!Number.isFinite(threshold)) throw new RangeError(`ThresholdToBinary: threshold must be a finite number, got ${threshold}`);
  return Fn('ThresholdToBinary', (x) => tf.cast(tf.greater(x, threshold), 'int32'), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: s.shape, dtype: 'int32' }),
  });
}
