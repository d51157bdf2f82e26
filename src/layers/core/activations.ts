/**
 * Elementwise activations and the softmax family, as weightless layers that keep their input's shape.
 */
import { tf } from '../../backend/tf.js';
import { Fn, type FnLayer } from '../../core/fn.js';
import type { ShapeDtype, Tensor } from '../../core/types.js';
import { normalizeAxis } from './checks.js';

const sameSignature = (s: ShapeDtype): ShapeDtype => s;

/**
 * Rectified linear unit, `max(0, x)`.
 * @public
 */
export function Relu(): FnLayer {
  return Fn('Relu', (x) => tf.relu(x), 1, { outputSignature: sameSignature });
}

/**
 * The logistic sigmoid, `1 / (1 + exp(-x))`.
 * @public
 */
export function Sigmoid(): FnLayer {
  return Fn('Sigmoid', (x) => tf.sigmoid(x), 1, { outputSignature: sameSignature });
}

/**
 * The hyperbolic tangent.
 * @public
 */
export function Tanh(): FnLayer {
  return Fn('Tanh', (x) => tf.tanh(x), 1, { outputSignature: sameSignature });
}

/**
 * The Gaussian error linear unit in its exact form, `x · Φ(x) = x/2 · (1 + erf(x / √2))` (Hendrycks and Gimpel,
 * 2016), as Trax's `Gelu`. tfjs's `erf` is accurate to about 1e-7 and has a gradient on every backend.
 * @public
 */
export function Gelu(): FnLayer {
  return Fn('Gelu', (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))), 1, { outputSignature: sameSignature });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The tanh approximation of GELU, `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`, as Trax's `FastGelu`.
 * @public
 */
export function FastGelu(): FnLayer {
  return Fn(
    'FastGelu',
    (x) => {
      const inner = tf.mul(tf.mul(x, SQRT_2_OVER_PI), tf.add(1, tf.mul(0.044715, tf.square(x))));
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
    },
    1,
    { outputSignature: sameSignature },
  );
}

/**
 * Applies `f`, which works on the last axis only, along `axis` by moving that axis last and back.
 */
function alongAxis(x: Tensor, axis: number, who: string, f: (t: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank, who);
  if (a === x.rank - 1) return f(x);
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[a] = x.rank - 1;
  perm[x.rank - 1] = a;
  return tf.transpose(f(tf.transpose(x, perm)), perm);
}

/**
 * Softmax along `axis` (default: the last): `exp(x) / Σ exp(x)`, computed stably (the maximum is subtracted
 * first), so each group of values becomes a probability distribution.
 * @public
 */
export function Softmax(axis = -1): FnLayer {
  return Fn('Softmax', (x) => alongAxis(x, axis, 'Softmax', (t) => tf.softmax(t)), 1, { outputSignature: sameSignature });
}

/**
 * Log-softmax along `axis` (default: the last): `x - log Σ exp(x)`, computed stably, so each group of values
 * becomes a set of log-probabilities. The usual last layer before a cross-entropy loss.
 * @public
 */
export function LogSoftmax(axis = -1): FnLayer {
  return Fn('LogSoftmax', (x) => alongAxis(x, axis, 'LogSoftmax', (t) => tf.logSoftmax(t)), 1, { outputSignature: sameSignature });
}
