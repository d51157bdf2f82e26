import { LayerError } from '../core/layer_error.js';
import type { Tensor } from '../core/types.js';
import { Layer } from '../core/base.js';
import type { TensorTree } from '../core/types.js';

/** Runs `f` for sublayer `index`, adding the index to the path of any {@link LayerError} it raises. */
export function atSublayer<T>(index: number, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof LayerError) throw error.within(String(index));
    throw error;
  }
}

/** The subtree of sublayer `index`, or an error naming the combinator when it is missing. */
export function subtree(tree: TensorTree, index: number, owner: Layer, what: string): TensorTree {
  const sub = tree[String(index)];
  if (sub === undefined || isTensor(sub)) {
    throw new Error(`${owner.name}: ${what} has no subtree for sublayer ${index}; was the layer initialised?`);
  }
  return sub;
}

function isTensor(x: Tensor | TensorTree): x is Tensor {
  return typeof (x as Tensor).dataId === 'object' && 'shape' in x;
}

/** Flattens nested arrays of layers (Trax lets `Serial([a, [b, c]])` mean `Serial(a, b, c)`). */
export function flattenLayers(items: readonly LayerLike[], who = 'Serial'): Layer[] {
  const out: Layer[] = [];
  for (const item of items) {
    if (Array.isArray(item)) out.push(...flattenLayers(item, who));
    else if (item instanceof Layer) out.push(item);
    else {
      throw new TypeError(
        `${who}: found ${item === null ? 'null' : `a non-layer (${typeof item})`} among its layers` +
          (item === null ? ' (only a lone null, as in Serial(null), is a no-op)' : ''),
      );
    }
  }
  return out;
}

/** A layer, or a (nested) list of layers meaning their `Serial`. @public */
export type LayerLike = Layer | readonly LayerLike[];
