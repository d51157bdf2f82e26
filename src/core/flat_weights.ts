/**
 * Weights and state as flat lists of tensors, and back into a layer's trees (Trax's `flatten_weights_and_state`
 * and `unflatten_weights_and_state`). The order is the tree's depth-first order (`treeLeaves`): own weights and
 * sublayers by key, sublayers by index. A tensor reached twice (a shared layer's) is listed once, and put back in
 * every place of the tree that shares it. Positional, as in Trax: checkpoints should prefer `namedTensors`.
 */
import { tf } from '../backend/tf.js';
import { makeKey } from '../rng/key.js';
import { type Layer, sharedInits } from './base.js';
import { toList } from './stack.js';
import { disposeReplaced, flattenTree, mapTree, treeLeaves } from './tensor_tree.js';
import type { ShapeDtype, Signature, State, Tensor, TensorTree, Weights } from './types.js';

/**
 * The distinct tensors of a weight tree and of a state tree, each in the trees' fixed order (Trax's
 * `flatten_weights_and_state`).
 * @public
 */
export function flattenWeightsAndState(weights: Weights, state: State): [flatWeights: Tensor[], flatState: Tensor[]] {
  return [treeLeaves(weights), treeLeaves(state)];
}

/**
 * The layouts of a layer's weight and state trees: its own trees when it is initialised and no signature is given,
 * else the trees a fresh `init` from `inputSignature` would make (drawn and freed at once; the layer is unchanged).
 */
function layoutsOf(layer: Layer, inputSignature: Signature | undefined, who: string): { weights: Weights; state: State; fresh: boolean } {
  if (inputSignature === undefined) {
    if (!layer.initialized) throw new Error(`${who}: ${layer.name} is not initialised; pass an input signature to lay the weights out`);
    return { weights: layer.weights, state: layer.state, fresh: false };
  }
  const signature = toList<ShapeDtype>(inputSignature, layer.nIn, 'input signature');
  const made = layer.initialize(signature.length === 1 ? signature[0]! : signature, makeKey(0), sharedInits({ reinit: true }));
  return { weights: made.weights, state: made.state, fresh: true };
}

/** Frees the tensors of freshly made layouts, except any that the layer itself holds. */
function disposeLayouts(layer: Layer, layouts: { weights: Weights; state: State }): void {
  const held: TensorTree = layer.initialized ? { weights: layer.weights, state: layer.state } : {};
  disposeReplaced({ weights: layouts.weights, state: layouts.state }, held);
}

/** `template`'s layout with its distinct leaves replaced, in order, by the tensors of `flat` (checked). */
function fill(flat: readonly Tensor[], template: TensorTree, what: string, who: string): TensorTree {
  const leaves = treeLeaves(template);
  if (flat.length !== leaves.length) {
    throw new Error(`${who}: ${flat.length} ${what} tensors for a layout of ${leaves.length}`);
  }
  const pathOf = new Map<Tensor, string>();
  for (const [path, t] of flattenTree(template)) if (!pathOf.has(t)) pathOf.set(t, path);
  const replacement = new Map<Tensor, Tensor>();
  leaves.forEach((like, i) => {
    const t = flat[i]!;
    if (!(t instanceof tf.Tensor)) throw new TypeError(`${who}: ${what} item ${i} is not a tensor`);
    if (t.dtype !== like.dtype || t.shape.join(',') !== like.shape.join(',')) {
      throw new Error(
        `${who}: ${what} item ${i} is ${t.dtype}[${t.shape.join(',')}] but ${pathOf.get(like)} needs ${like.dtype}[${like.shape.join(',')}]`,
      );
    }
    replacement.set(like, t);
  });
  return mapTree(template, (t) => replacement.get(t)!);
}

/**
 * Puts flat lists of weights and state (as {@link flattenWeightsAndState} gives them, possibly from another layer
 * with the same layout) back into `layer`'s tree layout (Trax's `unflatten_weights_and_state`, with the layer in
 * place of its weights-and-state signature). The trees hold the given tensors themselves, not copies; a tensor
 * fills every place of the tree that shares it. The layout is the layer's own when it is initialised, else (or when
 * `inputSignature` is given) the one its `init` from `inputSignature` makes. Each tensor's shape and dtype must
 * match its place; assign the result with `layer.weights = ...` and `layer.state = ...`.
 *
 * @example
 * ```ts
 * const [flatWeights, flatState] = flattenWeightsAndState(model.weights, model.state);
 * const { weights, state } = unflattenWeightsAndState(flatWeights, flatState, model2, shapeDtype([2, 3]));
 * model2.weights = weights;
 * model2.state = state;
 * ```
 * @public
 */
export function unflattenWeightsAndState(
  flatWeights: readonly Tensor[],
  flatState: readonly Tensor[],
  layer: Layer,
  inputSignature?: Signature,
): { weights: Weights; state: State } {
  const who = 'unflattenWeightsAndState';
  const layouts = layoutsOf(layer, inputSignature, who);
  try {
    return { weights: fill(flatWeights, layouts.weights, 'weight', who), state: fill(flatState, layouts.state, 'state', who) };
  } finally {
    if (layouts.fresh) disposeLayouts(layer, layouts);
  }
}

/**
 * Puts a flat list of weights back into `layer`'s weight-tree layout: {@link unflattenWeightsAndState} for the
 * weights only (Trax's `weights_only=True`).
 * @public
 */
export function unflattenWeights(flatWeights: readonly Tensor[], layer: Layer, inputSignature?: Signature): Weights {
  const layouts = layoutsOf(layer, inputSignature, 'unflattenWeights');
  try {
    return fill(flatWeights, layouts.weights, 'weight', 'unflattenWeights');
  } finally {
    if (layouts.fresh) disposeLayouts(layer, layouts);
  }
}
