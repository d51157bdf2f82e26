/**
 * Checks shared by the layer tests: the shape contract (init's output signature equals the real output's) and
 * gradient checks of a layer's pure function against central finite differences, with respect to its float
 * inputs and its weights.
 */
import { tf } from '../../src/backend/tf.js';
import type { Layer } from '../../src/core/base.js';
import { signatureOf } from '../../src/core/stack.js';
import { flattenTree, mapTree } from '../../src/core/tensor_tree.js';
import type { ShapeDtype, Signature, Stack, Tensor } from '../../src/core/types.js';
import { type Key, makeKey } from '../../src/rng/key.js';
import { normal } from '../../src/rng/random.js';
import { expectGradientsMatchFiniteDifferences, type GradCheckOptions } from '../helpers/gradcheck.js';

const asList = (s: Stack): Tensor[] => (Array.isArray(s) ? s : [s]);
const pack = (items: Tensor[]): Stack => (items.length === 1 ? items[0]! : items);

/**
 * Initialises `layer` from the signature of `inputs` and expects the inferred output signature to equal the
 * signature of the real output. Returns the output signature.
 */
export function expectSignatureMatchesOutput(layer: Layer, inputs: Stack, seed = 0): unknown {
  const { outputSignature } = layer.init(signatureOf(inputs), { seed });
  let actual: Signature | undefined;
  tf.tidy(() => {
    actual = signatureOf(layer.call(inputs));
  });
  expect(outputSignature).toEqual(actual);
  return outputSignature;
}

/** Options of {@link expectLayerGradientsMatch}. */
export interface LayerGradOptions extends GradCheckOptions {
  /** Check the gradient with respect to the float inputs (default true). */
  inputs?: boolean;
  /** Check the gradient with respect to the weights (default true). */
  weights?: boolean;
  /** The key passed to the layer (default `makeKey(0)`). */
  rng?: Key;
  /** Which weights (by tree path, such as `1/w`) to check (default: all). */
  weightFilter?: (path: string) => boolean;
}

/**
 * Checks the gradients of `layer`'s pure function (with its current weights and state) against central finite
 * differences, with respect to its float32 inputs and every weight. The outputs are reduced to a scalar by a
 * fixed random projection (so that, for example, the constant sum of a softmax does not hide its gradient).
 */
export function expectLayerGradientsMatch(layer: Layer, inputs: Stack, options: LayerGradOptions = {}): void {
  const { inputs: wrtInputs = true, weights: wrtWeights = true, rng = makeKey(0), weightFilter = () => true, ...tolerances } = options;
  const items = asList(inputs);
  const weightLeaves = [...new Set(flattenTree(layer.weights).flatMap(([path, t]) => (weightFilter(path) ? [t] : [])))];
  const state = layer.state;
  const diffInputIdx = wrtInputs ? items.flatMap((t, i) => (t.dtype === 'float32' ? [i] : [])) : [];
  const diffWeights = wrtWeights ? weightLeaves : [];
  let outputs: Signature = [];
  tf.tidy(() => {
    outputs = signatureOf(layer.pureFn(inputs, layer.weights, state, rng)[0]);
  });
  const outSigs = (Array.isArray(outputs) ? outputs : [outputs]) as readonly ShapeDtype[];
  const probes = outSigs.map((s, i) => (s.dtype === 'float32' ? normal(makeKey(77 + i), s.shape) : null));
  const run = (...xs: Tensor[]): Tensor => {
    const args = [...items];
    diffInputIdx.forEach((idx, k) => (args[idx] = xs[k]!));
    const replaced = new Map<Tensor, Tensor>(diffWeights.map((w, k) => [w, xs[diffInputIdx.length + k]!]));
    const weights = mapTree(layer.weights, (t) => replaced.get(t) ?? t);
    const out = asList(layer.pureFn(pack(args), weights, state, rng)[0]);
    const terms = out.flatMap((o, i) => (probes[i] ? [tf.sum(tf.mul(o, probes[i]))] : []));
    return terms.length === 1 ? terms[0]! : tf.addN(terms);
  };
  try {
    expectGradientsMatchFiniteDifferences(run, [...diffInputIdx.map((i) => items[i]!), ...diffWeights], tolerances);
  } finally {
    for (const p of probes) p?.dispose();
  }
}

/** A float32 tensor of seeded normal values. */
export function randn(shape: number[], seed: number, stddev = 1): Tensor {
  return normal(makeKey(seed), shape, stddev);
}

/** The values of a tensor as a flat array of numbers. */
export function flat(t: Tensor): number[] {
  return Array.from(t.dataSync());
}
