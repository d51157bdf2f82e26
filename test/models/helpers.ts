import { tf } from '../../src/backend/tf.js';
import type { Layer } from '../../src/core/base.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Signature, Stack, Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { lossGrads, maxAbsDiff } from '../reversible/helpers.js';

/** Int32 token ids `[B, L]` from rows of numbers. */
export function ids(rows: number[][]): Tensor {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

/**
 * Builds a model twice (reversible backward and ordinary backward) from the same seed, checks that the weights
 * are the same, and returns the largest differences of their outputs and of their gradients (inputs and weights).
 */
export function compareBackwards(
  make: (reversible: boolean) => Layer,
  signature: Signature,
  inputs: Tensor[],
  seed = 3,
): { output: number; grads: number } {
  const reversible = make(true);
  const ordinary = make(false);
  reversible.init(signature, { seed });
  ordinary.init(signature, { seed });
  expect(maxAbsDiff(treeLeaves(reversible.weights), treeLeaves(ordinary.weights))).toBe(0);
  const rng = makeKey(21);
  const stack: Stack = inputs.length === 1 ? inputs[0]! : inputs;
  const outputs = (layer: Layer) =>
    tf.tidy(() => {
      const [out] = layer.pureFn(stack, layer.weights, layer.state, rng);
      return (Array.isArray(out) ? out : [out]).filter((t) => t.dtype === 'float32');
    });
  const output = maxAbsDiff(outputs(reversible), outputs(ordinary));
  const grads = maxAbsDiff(
    lossGrads(reversible, inputs, reversible.weights, reversible.state, rng),
    lossGrads(ordinary, inputs, ordinary.weights, ordinary.state, rng),
  );
  return { output, grads };
}
