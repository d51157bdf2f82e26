/**
 * Accuracy metric layers, weighted so that padding never counts (the conventions shared with the losses are in
 * `weighted.ts`; the losses, cross-entropy and L2, in `losses.ts`). `Accuracy` and `SequenceAccuracy` are
 * composites built with `Serial`, as Trax builds them.
 */
import { tf } from '../backend/tf.js';
import { namedSerial } from '../combinators/serial.js';
import { ArgMax } from '../layers/core/reductions.js';
import { Fn, type FnLayer } from '../core/fn.js';
import type { Layer } from '../core/base.js';
import type { ShapeDtype, Tensor } from '../core/types.js';
import { SCALAR, checkCategoryInputs, checkWeights, describe, weightedMean } from './weighted.js';

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
