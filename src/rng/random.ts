import { tf } from '../backend/tf.js';
import { type Key, normalFloats, uniformFloats } from './key.js';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A float32 tensor of numbers uniform in [minval, maxval), drawn from `key`.
 * @public
 */
export function uniform(key: Key, shape: readonly number[], minval = 0, maxval = 1): tf.Tensor {
  const u = uniformFloats(key, size(shape));
  const span = maxval - minval;
  for (let i = 0; i < u.length; i++) u[i] = minval + span * u[i]!;
  return tf.tensor(u, [...shape], 'float32');
}

/**
 * A float32 tensor of standard normal numbers, times `stddev`, drawn from `key`.
 * @public
 */
export function normal(key: Key, shape: readonly number[], stddev = 1): tf.Tensor {
  const z = normalFloats(key, size(shape));
  if (stddev !== 1) for (let i = 0; i < z.length; i++) z[i] = z[i]! * stddev;
  return tf.tensor(z, [...shape], 'float32');
}

/**
 * A float32 tensor of 1s (probability `p`) and 0s, drawn from `key`.
 * @public
 */
export function bernoulli(key: Key, p: number, shape: readonly number[]): tf.Tensor {
  const u = uniformFloats(key, size(shape));
  for (let i = 0; i < u.length; i++) u[i] = u[i]! < p ? 1 : 0;
  return tf.tensor(u, [...shape], 'float32');
}
