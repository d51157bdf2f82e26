/**
 * Metric layers: accuracy of category predictions, weighted so that padding never counts.
 *
 * Like Trax's, a metric (or loss) layer takes three stack items, the model output, the targets and the weights,
 * and gives one scalar. Every one of them is a weighted mean: each position's value times its weight, summed,
 * divided by the sum of the weights, so positions of weight 0 (padding, see `data.AddLossWeights`) count for
 * nothing. Shapes are checked when the layer is initialised (and on every call), with an error naming the model
 * output's and the targets' shapes: that is how a training loop refuses a model that does not fit its labels.
 *
 * The losses (cross-entropy, L2) are in `losses.ts`.
 */
import { tf } from '../backend/tf.js';
import { namedSerial } from '../combinators/serial.js';
import { ArgMax } from './core/reductions.js';
import { Fn, type FnLayer } from '../core/fn.js';
import type { Layer } from '../core/base.js';
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

/**
 * Weighted category accuracy: the share (by weight) of positions whose highest-scoring category (argmax of the
 * model output's last axis) is the target. Inputs: model output `[..., C]`, int32 targets `[...]`, weights
 * broadcastable to the targets. As Trax's `WeightedCategoryAccuracy`.
 * @public
 */
export function WeightedCategoryAccuracy(): FnLayer {
  const name = 'WeightedCategoryAccuracy';
  return Fn(
    name,
    (output: Tensor, targets: Tensor, weights: Tensor) => {
      checkCategoryInputs(name, output, targets, weights);
      const correct = tf.equal(tf.argMax(output, -1), targets).toFloat();
      return weightedMean(correct, weights);
    },
    1,
    {
      outputSignature: (output, targets, weights) => {
        checkCategoryInputs(name, output, targets, weights);
        return SCALAR;
      },
    },
  );
}

function correctnessOf(name: string): FnLayer {
  return Fn(
    '_Accuracy',
    (predictions: Tensor, targets: Tensor) => {
      checkPredictions(name, predictions, targets);
      return tf.equal(predictions, targets).toFloat();
    },
    1,
    {
      outputSignature: (predictions, targets) => {
        checkPredictions(name, predictions, targets);
        return { shape: predictions.shape, dtype: 'float32' };
      },
    },
  );
}

function checkPredictions(name: string, predictions: ShapeDtype, targets: ShapeDtype): void {
  if (predictions.shape.join(',') !== targets.shape.join(',')) {
    throw new RangeError(
      `${name}: the predictions ${describe(predictions)} (argmax of the model output) do not match the targets ${describe(targets)}`,
    );
  }
}

function weightedMeanLayer(name: string): FnLayer {
  return Fn(
    '_WeightedMean',
    (values: Tensor, weights: Tensor) => {
      checkWeights(name, weights, values, 'targets');
      return weightedMean(values, weights);
    },
    1,
    {
      outputSignature: (values, weights) => {
        checkWeights(name, weights, values, 'targets');
        return SCALAR;
      },
    },
  );
}

/**
 * Accuracy as a composite, as Trax builds it: `Serial(ArgMax(), _Accuracy(), _WeightedMean())`, 3 inputs (model
 * output, targets, weights) to one scalar. The same number as {@link WeightedCategoryAccuracy}.
 * @public
 */
export function Accuracy(): Layer {
  return namedSerial('Accuracy', [ArgMax(), correctnessOf('Accuracy'), weightedMeanLayer('Accuracy')], []);
}

/**
 * Sequence accuracy: the share of sequences whose every weighted position is predicted right (positions of
 * weight 0 are ignored). Inputs: model output `[B, L, C]`, int32 targets `[B, L]`, weights `[B, L]`; built like
 * Trax's `SequenceAccuracy` as `Serial(ArgMax(), _Accuracy(), _WeightedSequenceMean())`.
 *
 * Unlike Trax, a sequence whose weights are all 0 (a padding row) is left out of the mean instead of counting as
 * right, so that padding never counts; the result is 0 when no sequence has weight.
 * @public
 */
export function SequenceAccuracy(): Layer {
  const name = 'SequenceAccuracy';
  const sequenceMean = Fn(
    '_WeightedSequenceMean',
    (correct: Tensor, weights: Tensor) => {
      checkWeights(name, weights, correct, 'targets');
      return tf.tidy(() => {
        const w = tf.broadcastTo(weights.toFloat(), correct.shape);
        const axes = Array.from({ length: correct.rank - 1 }, (_, i) => i + 1);
        const wrong = tf.sum(tf.mul(tf.sub(1, correct), tf.notEqual(w, 0).toFloat()), axes);
        const counted = tf.greater(tf.sum(tf.abs(w), axes), 0).toFloat();
        const right = tf.mul(tf.equal(wrong, 0).toFloat(), counted);
        return tf.div(tf.sum(right), tf.maximum(tf.sum(counted), 1));
      });
    },
    1,
    {
      outputSignature: (correct, weights) => {
        if (correct.shape.length < 1) throw new RangeError(`${name}: the targets ${describe(correct)} have no batch axis`);
        checkWeights(name, weights, correct, 'targets');
        return SCALAR;
      },
    },
  );
  return namedSerial(name, [ArgMax(), correctnessOf(name), sequenceMean], []);
}
