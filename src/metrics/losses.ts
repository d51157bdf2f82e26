/**
 * Loss layers: cross-entropy and L2, weighted so that padding never counts (see `weighted.ts` for the shared
 * conventions: three inputs, model output, targets and weights, to one scalar).
 */
import { tf } from '../backend/tf.js';
import { Fn, type FnLayer } from '../core/fn.js';
import { SCALAR, checkCategoryInputs, checkWeights, describe, weightedMean } from './weighted.js';
import type { ShapeDtype, Tensor } from '../core/types.js';

function categoryLoss(name: string, perPosition: (output: Tensor, targets: Tensor) => Tensor): FnLayer {
  return Fn(
    name,
    (output: Tensor, targets: Tensor, weights: Tensor) => {
      checkCategoryInputs(name, output, targets, weights);
      return weightedMean(perPosition(output, targets), weights);
    },
    1,
    {
      outputSignature: (output: ShapeDtype, targets: ShapeDtype, weights: ShapeDtype) => {
        checkCategoryInputs(name, output, targets, weights);
        return SCALAR;
      },
    },
  );
}

function targetDistribution(targets: Tensor, nCategories: number, labelSmoothing: number): Tensor {
  const oneHot = tf.oneHot(targets, nCategories).toFloat();
  if (!labelSmoothing) return oneHot;
  return oneHot.mul(1 - labelSmoothing).add(labelSmoothing / nCategories);
}

/**
 * Weighted cross-entropy from unnormalised scores: the model output `[..., C]` is turned into log-probabilities
 * by a log-softmax inside the layer, and each position's cross-entropy with its int32 target category is
 * averaged with the weights (broadcastable to the targets). As Trax's `WeightedCategoryCrossEntropy`.
 *
 * @param labelSmoothing - Optional, in [0, 1]: the target distribution becomes
 *   `(1 - labelSmoothing) * oneHot + labelSmoothing / C`.
 * @public
 */
export function WeightedCategoryCrossEntropy(labelSmoothing?: number): FnLayer {
  if (labelSmoothing !== undefined && !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`WeightedCategoryCrossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  return categoryLoss('WeightedCategoryCrossEntropy', (output, targets) => {
    const n = output.shape[output.rank - 1]!;
    return tf.neg(tf.sum(tf.mul(targetDistribution(targets, n, labelSmoothing ?? 0), tf.logSoftmax(output)), -1));
  });
}

/**
 * Weighted cross-entropy of log-probabilities: the model output `[B, L, C]` must already be log-probabilities
 * (end the model with `LogSoftmax`); targets are int32 `[B, L]`, weights `[B, L]`; 3 inputs to one scalar,
 * `-sum(w * logp[target]) / sum(w)`. As Trax's `CrossEntropyLoss` (whose name the training log prints).
 * @public
 */
export function CrossEntropyLoss(): FnLayer {
  return categoryLoss('CrossEntropyLoss', (logProbs, targets) => {
    const n = logProbs.shape[logProbs.rank - 1]!;
    return tf.neg(tf.sum(tf.mul(tf.oneHot(targets, n).toFloat(), logProbs), -1));
  });
}

function checkL2(name: string, output: ShapeDtype, targets: ShapeDtype, weights: ShapeDtype): void {
  if (output.shape.join(',') !== targets.shape.join(',')) {
    throw new RangeError(`${name}: the model output ${describe(output)} and the targets ${describe(targets)} must have the same shape`);
  }
  checkWeights(name, weights, output, 'the model output');
}

/**
 * Weighted mean squared error: `sum(w * (y - t)^2) / sum(w)` over every element, the weights broadcast to the
 * model output's shape (a `[B, L]` weight weighs every feature of a `[B, L, D]` output). As Trax's `L2Loss`.
 * @public
 */
export function L2Loss(): FnLayer {
  const name = 'L2Loss';
  return Fn(
    name,
    (output: Tensor, targets: Tensor, weights: Tensor) => {
      const w = weights.rank < output.rank ? expandTrailing(weights, output.rank) : weights;
      checkL2(name, output, targets, w);
      return weightedMean(tf.squaredDifference(output, targets.toFloat()), w);
    },
    1,
    {
      outputSignature: (output: ShapeDtype, targets: ShapeDtype, weights: ShapeDtype) => {
        checkL2(name, output, targets, expandTrailingShape(weights, output.shape.length));
        return SCALAR;
      },
    },
  );
}

/** `[B, L]` weights for a `[B, L, D]` output: trailing axes of size 1 (NumPy would align from the end). */
function expandTrailing(t: Tensor, rank: number): Tensor {
  return t.reshape([...t.shape, ...Array<number>(rank - t.rank).fill(1)]);
}

function expandTrailingShape(s: ShapeDtype, rank: number): ShapeDtype {
  return s.shape.length < rank ? { shape: [...s.shape, ...Array<number>(rank - s.shape.length).fill(1)], dtype: s.dtype } : s;
}
