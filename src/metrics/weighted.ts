/**
 * What every metric and loss layer shares: like Trax's, a metric (or loss) layer takes three stack items, the
 * model output, the targets and the weights, and gives one scalar, a weighted mean: each position's value times
 * its weight, summed, divided by the sum of the weights, so positions of weight 0 (padding, see
 * `data.AddLossWeights`) count for nothing. Shapes are checked when the layer is initialised (and on every call),
 * with an error naming the model output's and the targets' shapes: that is how a training loop refuses a model
 * that does not fit its labels.
 */
import { tf } from '../backend/tf.js';
import type { ShapeDtype, Tensor } from '../core/types.js';

/** The signature of a metric's output: a float32 scalar. */
export const SCALAR: ShapeDtype = { shape: [], dtype: 'float32' };

/** `float32[4,8]`. */
export function describe(s: ShapeDtype): string {
  return `${s.dtype}[${s.shape.join(',')}]`;
}

/** Whether `from` broadcasts to `to` (NumPy rules: trailing axes equal or 1). */
function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i]!;
    if (f !== 1 && f !== to[to.length - i]) return false;
  }
  return true;
}

/** Refuses weights that do not broadcast to the shape of the per-position values they weigh. */
export function checkWeights(layer: string, weights: ShapeDtype, against: ShapeDtype, what: string): void {
  if (!broadcastsTo(weights.shape, against.shape)) {
    throw new RangeError(`${layer}: weights ${describe(weights)} do not match ${what} ${describe(against)}`);
  }
}

/**
 * Checks the inputs of a category metric: model output `[..., C]`, int32 targets of the output's shape without
 * its last axis, weights broadcastable to the targets.
 */
export function checkCategoryInputs(layer: string, output: ShapeDtype, targets: ShapeDtype, weights: ShapeDtype): void {
  if (output.shape.length < 1) throw new RangeError(`${layer}: the model output ${describe(output)} has no category axis`);
  const expected = output.shape.slice(0, -1);
  if (targets.shape.length !== expected.length || targets.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(
      `${layer}: the model output ${describe(output)} needs targets of shape [${expected.join(',')}], got targets ${describe(targets)}`,
    );
  }
  if (targets.dtype !== 'int32') throw new TypeError(`${layer}: targets must be int32 category ids, got ${describe(targets)}`);
  checkWeights(layer, weights, targets, 'targets');
}

/**
 * `sum(values * weights) / sum(weights)`, the weights broadcast to the values' shape. When every weight is 0 the
 * result is 0 (Trax would give NaN).
 */
export function weightedMean(values: Tensor, weights: Tensor): Tensor {
  const w = tf.broadcastTo(weights.toFloat(), values.shape);
  return tf.div(tf.sum(tf.mul(values, w)), tf.maximum(tf.sum(w), 1e-30));
}
