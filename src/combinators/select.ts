import { Layer } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';

/**
 * Copies, reorders or drops stack items: takes `nIn` items and gives `indices.map(i => items[i])`.
 * `Select([0, 0, 1])` turns `a, b` into `a, a, b`; `Select([1, 0])` swaps.
 * @public
 */
export class SelectLayer extends Layer {
  constructor(
    /** For each output, the index (from the top, 0) of the input item it copies. */
    readonly indices: readonly number[],
    nIn: number,
    name = 'Select',
  ) {
    super({ nIn, nOut: indices.length, name });
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= nIn) {
        throw new RangeError(`${name}: index ${i} is outside the ${nIn} items it takes`);
      }
    }
  }

  /** The input signatures at `indices`. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    return fromList(this.indices.map((i) => signature[i]!));
  }

  /** The input items at `indices`, in that order. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const items = toList(inputs, this.nIn, 'input');
    return [fromList(this.indices.map((i) => items[i]!)), state];
  }
}

/**
 * Selects stack items by index; `nIn` defaults to one more than the largest index. Named as in Trax after its
 * indices: `Select([0, 0])` prints `Select[0,0]_out2`.
 * @public
 */
export function Select(indices: readonly number[], nIn?: number): SelectLayer {
  return new SelectLayer(indices, nIn ?? (indices.length ? Math.max(...indices) + 1 : 0), `Select[${indices.join(',')}]`);
}

/** Duplicates the top item: `x -> x, x`. @public */
export function Dup(): SelectLayer {
  return new SelectLayer([0, 0], 1, 'Dup');
}

/** Swaps the top two items: `a, b -> b, a`. @public */
export function Swap(): SelectLayer {
  return new SelectLayer([1, 0], 2, 'Swap');
}

/** Drops the top item. @public */
export function Drop(): SelectLayer {
  return new SelectLayer([], 1, 'Drop');
}
