import { tf } from '../backend/tf.js';
import { mapTree, treeLeaves } from '../core/tensor_tree.js';
import type { Tensor, TensorTree } from '../core/types.js';

/** Whether a stack item or weight takes part in differentiation (float32; ids and boolean masks do not). */
export function isDifferentiable(t: Tensor): boolean {
  return t.dtype === 'float32';
}

/** The cotangent of an item that gets no gradient: float32 zeros of its shape. */
export function zeroCotangent(t: Tensor): Tensor {
  return tf.zeros(t.shape, 'float32');
}

/**
 * A new tensor object on the same data (no copy on any backend: tfjs's `Reshape` kernels share the buffer, while
 * `clone` copies it on wasm).
 */
export function view(t: Tensor): Tensor {
  return tf.reshape(t, t.shape);
}

/** `tf.keep` on a view of `t`, leaving `t` itself untouched (and disposable by its scope). */
export function keepView(t: Tensor): Tensor {
  return tf.keep(view(t));
}

/** Turns a kept tensor back into one tracked by the current scope (the kept one is released). */
export function untrackKept(t: Tensor): Tensor {
  const tracked = view(t);
  t.dispose();
  return tracked;
}

/** The float leaves of a weight tree, each distinct tensor once, in a fixed order. */
export function differentiableLeaves(tree: TensorTree): Tensor[] {
  return treeLeaves(tree).filter(isDifferentiable);
}

/**
 * The gradient tree for `weights` (same layout, a shared tensor's gradient at each of its places) from the
 * gradients of its differentiable leaves; leaves without one get zeros.
 */
export function gradientTree(weights: TensorTree, gradOf: ReadonlyMap<Tensor, Tensor>): TensorTree {
  return mapTree(weights, (t) => gradOf.get(t) ?? tf.zeros(t.shape, 'float32'));
}
