import { tf } from '../../src/backend/tf.js';
import type { Layer } from '../../src/core/base.js';
import { toList } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { State, Tensor, Weights } from '../../src/core/types.js';
import { type Key, makeKey } from '../../src/rng/key.js';
import { normal } from '../../src/rng/random.js';

/** A seeded standard-normal tensor. */
export function randn(seed: number, shape: number[], stddev = 1): Tensor {
  return normal(makeKey(seed), shape, stddev);
}

/**
 * A scalar loss of a layer's float outputs, `sum_i sum(out_i * probe_i)` with fixed random probes, so that every
 * output element gets a distinct cotangent.
 */
export function probeLoss(layer: Layer, inputs: Tensor[], weights: Weights, state: State, rng: Key, seed = 77): Tensor {
  const [out] = layer.pureFn(inputs.length === 1 ? inputs[0]! : inputs, weights, state, rng);
  const outs = toList(out, layer.nOut, 'output').filter((o) => o.dtype === 'float32');
  let total: Tensor = tf.scalar(0);
  outs.forEach((o, i) => {
    total = tf.add(total, tf.sum(tf.mul(o, randn(seed + i, [...o.shape]))));
  });
  return total;
}

/** Gradients of {@link probeLoss} with respect to the float inputs and every weight leaf, in that order. */
export function lossGrads(layer: Layer, inputs: Tensor[], weights: Weights, state: State, rng: Key): Tensor[] {
  const floats = inputs.filter((x) => x.dtype === 'float32');
  const leaves = treeLeaves(weights);
  return tf.tidy(() => tf.grads(() => probeLoss(layer, inputs, weights, state, rng))([...floats, ...leaves]));
}

/** The largest absolute difference between corresponding tensors of two lists. */
export function maxAbsDiff(a: readonly Tensor[], b: readonly Tensor[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((x, i) => {
    expect(x.shape).toEqual(b[i]!.shape);
    worst = Math.max(
      worst,
      tf.tidy(() => tf.max(tf.abs(tf.sub(x, b[i]!))).dataSync()[0]!),
    );
  });
  return worst;
}
