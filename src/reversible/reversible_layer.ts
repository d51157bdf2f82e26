import { Layer } from '../core/base.js';
import { fromList, signatureOf, toList } from '../core/stack.js';
import type { Stack, State, Tensor, TensorTree, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { differentiableLeaves, gradientTree, isDifferentiable, view, zeroCotangent } from './tensor_lifetimes.js';
import { vjp } from './vjp.js';

/**
 * What {@link ReversibleLayer.reverseAndGrad} gives: the reconstructed input, the cotangent of the input (one
 * float32 tensor per input item; zeros for items that are not differentiable, such as masks and token ids) and
 * the gradient of the weights (a tree laid out like the weights).
 * @public
 */
export type ReverseAndGradResult = [input: Stack, inputCotangent: Stack, weightGrads: Weights];

/**
 * Small tensors a reversible layer's forward pass leaves for its backward pass, so that the recomputation makes
 * exactly the same discrete choices (LSH attention's hash buckets). Empty for most layers; it is kept from the
 * forward pass to the backward pass, so it must be small next to the activations.
 * @public
 */
export type Residue = TensorTree;

/**
 * A layer whose input can be computed from its output, so that a stack of such layers needs to keep no
 * activations for its backward pass (Trax's `ReversibleLayer`; Gomez et al., "The Reversible Residual
 * Network", and Kitaev et al., "Reformer").
 *
 * Subclasses implement `reverse`; they may override `reverseAndGrad` to share work between reconstructing the
 * input and differentiating (the default reconstructs the input, then differentiates a recomputed forward pass).
 * `rng` must be the key the forward pass used, so that dropout and hashing recompute identically; `residue` is
 * what {@link ReversibleLayer.forwardWithResidue} returned in that forward pass.
 *
 * Cotangents follow the packing rule of the items they belong to; an item that is not float32 (a boolean mask,
 * integer ids) has a float32 zeros cotangent of its shape.
 * @public
 */
export abstract class ReversibleLayer extends Layer {
  /** The input that gives `output` (for the same weights, state and key as the forward pass). */
  abstract reverse(output: Stack, weights: Weights, state: State, rng: Key, residue?: Residue): Stack;

  /**
   * The forward pass of a step that will be differentiated by reversal: outputs and new state as `pureFn`, plus
   * the residue to hand to `reverse`/`reverseAndGrad`. The default leaves none.
   */
  forwardWithResidue(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State, Residue] {
    const [outputs, newState] = this.pureFn(inputs, weights, state, rng);
    return [outputs, newState, {}];
  }

  /**
   * The backward pass from the output alone: reconstructs the input and propagates the output cotangent `ct`
   * to the input and the weights.
   */
  reverseAndGrad(output: Stack, ct: Stack, weights: Weights, state: State, rng: Key, residue?: Residue): ReverseAndGradResult {
    // An item reached twice (as after Dup) gets its own tensor object so that each position gets its own gradient.
    const inputs = toList(this.reverse(output, weights, state, rng, residue), this.nIn, 'input').map((x, i, all) =>
      all.indexOf(x) < i ? view(x) : x,
    );
    const outputs = toList(output, this.nOut, 'output');
    const cts = toList(ct, this.nOut, 'cotangent').map((c, i) => (isDifferentiable(outputs[i]!) ? c : null));
    const diff = inputs.filter(isDifferentiable);
    const leaves = differentiableLeaves(weights);
    const { grads } = vjp(
      () => toList(this.pureFn(fromList(inputs), weights, state, rng)[0], this.nOut, 'output'),
      [...diff, ...leaves],
      cts,
    );
    const gradOfInput = new Map<Tensor, Tensor>(diff.map((x, i) => [x, grads[i]!]));
    const inputCts = inputs.map((x) => gradOfInput.get(x) ?? zeroCotangent(x));
    const gradOfLeaf = new Map<Tensor, Tensor>(leaves.map((w, i) => [w, grads[diff.length + i]!]));
    return [fromList(inputs), fromList(inputCts), gradientTree(weights, gradOfLeaf)];
  }

  /** Runs `f` with errors rethrown as `LayerError`s naming this layer and the given stack's shapes. */
  protected withContext<T>(stack: Stack, f: () => T): T {
    return this.withErrorContext('forward', signatureOf(stack), f);
  }
}
