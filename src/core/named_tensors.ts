/**
 * A layer's weights (or state) by path through the layer tree, such as `Serial/0/Dense_128/w`, and back: what
 * checkpoints, safetensors files and weight loading match tensors by.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from './base.js';
import { mapTree } from './tensor_tree.js';
import type { Tensor, TensorTree } from './types.js';

/**
 * The weights of a layer keyed by their path through the layer tree, such as `Serial/0/Dense_128/w`: names of
 * layers and their sublayer indices, then the weight's own name. A weight shared by two layers appears under the
 * path where it is first reached. Checkpoints match weights by these paths, never by position.
 * @public
 */
export function namedTensors(layer: Layer, tree: TensorTree = layer.weights): Map<string, Tensor> {
  const named = new Map<string, Tensor>();
  const seen = new Set<Tensor>();
  const walk = (current: Layer | undefined, subtree: TensorTree, prefix: string): void => {
    for (const [key, value] of Object.entries(subtree)) {
      const sub = current && /^\d+$/.test(key) ? current.sublayers[Number(key)] : undefined;
      if (value instanceof tf.Tensor) {
        if (!seen.has(value)) {
          seen.add(value);
          named.set(`${prefix}/${key}`, value);
        }
      } else if (sub) {
        walk(sub, value, `${prefix}/${key}/${sub.name}`);
      } else {
        walk(undefined, value, `${prefix}/${key}`);
      }
    }
  };
  walk(layer, tree, layer.name);
  return named;
}

/**
 * Rebuilds a layer's tree from tensors keyed by path (the inverse of {@link namedTensors}): `template` gives the
 * layout, shapes and dtypes, `lookup` the tensor for a path. A shared weight is looked up once.
 * @public
 */
export function treeFromNamed(layer: Layer, template: TensorTree, lookup: (path: string, like: Tensor) => Tensor): TensorTree {
  const pathOf = new Map<Tensor, string>();
  for (const [path, t] of namedTensors(layer, template)) pathOf.set(t, path);
  return mapTree(template, (t) => lookup(pathOf.get(t)!, t));
}
