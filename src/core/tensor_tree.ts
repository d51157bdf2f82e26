import { tf } from '../backend/tf.js';
import type { Tensor, TensorTree } from './types.js';

/** Every (tree path, tensor) pair of a tree, depth first, paths joined by `/`. @public */
export function flattenTree(tree: TensorTree, prefix = ''): Array<[string, Tensor]> {
  const out: Array<[string, Tensor]> = [];
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}/${key}` : key;
    if (value instanceof tf.Tensor) out.push([path, value]);
    else out.push(...flattenTree(value, path));
  }
  return out;
}

/**
 * The distinct tensors of a tree in a fixed order (a tensor reached twice, as a shared layer's weights are, is
 * listed once).
 * @public
 */
export function treeLeaves(tree: TensorTree): Tensor[] {
  const seen = new Set<Tensor>();
  for (const [, t] of flattenTree(tree)) seen.add(t);
  return [...seen];
}

/**
 * A tree of the same layout with every tensor mapped by `f`. A tensor reached twice is mapped once, so that
 * shared weights stay shared.
 * @public
 */
export function mapTree(
  tree: TensorTree,
  f: (t: Tensor, path: string) => Tensor,
  memo = new Map<Tensor, Tensor>(),
  prefix = '',
): TensorTree {
  const out: TensorTree = {};
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}/${key}` : key;
    if (value instanceof tf.Tensor) {
      let mapped = memo.get(value);
      if (mapped === undefined) {
        mapped = f(value, path);
        memo.set(value, mapped);
      }
      out[key] = mapped;
    } else {
      out[key] = mapTree(value, f, memo, path);
    }
  }
  return out;
}

/** Disposes every distinct tensor of a tree. @public */
export function disposeTree(tree: TensorTree): void {
  for (const t of treeLeaves(tree)) t.dispose();
}

/**
 * Disposes each tensor of `previous` that `next` does not hold, once: what to call after replacing weights, slots
 * or state (or a stack of activations) with the result of an update, so that the tensors no longer used are freed
 * and those carried over stay alive. Either argument is a tree or a list of tensors; to keep more tensors alive,
 * put them into `next` (`{ weights, state }`, `[...next, ...others]`).
 * @public
 */
export function disposeReplaced(previous: TensorTree | Iterable<Tensor>, next: TensorTree | Iterable<Tensor>): void {
  const kept = new Set(tensorsOf(next));
  for (const t of tensorsOf(previous)) {
    if (!kept.has(t)) {
      kept.add(t);
      t.dispose();
    }
  }
}

function tensorsOf(tensors: TensorTree | Iterable<Tensor>): Iterable<Tensor> {
  return isIterable(tensors) ? tensors : flattenTree(tensors).map(([, t]) => t);
}

function isIterable(x: TensorTree | Iterable<Tensor>): x is Iterable<Tensor> {
  return typeof (x as Partial<Iterable<Tensor>>)[Symbol.iterator] === 'function';
}
