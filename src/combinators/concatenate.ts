import { tf } from '../backend/tf.js';
import { Layer } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';

function normalizeAxis(axis: number, rank: number, who: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`${who}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Joins the top `nItems` items along `axis` (default: the last). Named as in Trax: `Concatenate`, or
 * `Concatenate_axis<axis>` for another axis than -1 (`Concatenate(2, 0)` prints `Concatenate_axis0_in2`).
 * @public
 */
export class ConcatenateLayer extends Layer {
  constructor(
    /** The number of stack items joined. */
    readonly nItems: number,
    /** The axis they are joined along (negative: from the end). */
    readonly axis: number,
  ) {
    super({ nIn: nItems, nOut: 1, name: axis === -1 ? 'Concatenate' : `Concatenate_axis${axis}` });
  }

  /** The first item's signature with the sizes along `axis` summed; the items must agree on every other axis. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const first = signature[0]!;
    const axis = normalizeAxis(this.axis, first.shape.length, this.name);
    const shape = [...first.shape];
    for (const s of signature.slice(1)) {
      if (s.shape.length !== shape.length || s.shape.some((d, i) => i !== axis && d !== shape[i])) {
        throw new Error(`${this.name}: shapes [${first.shape}] and [${s.shape}] differ outside axis ${this.axis}`);
      }
      shape[axis] = shape[axis]! + s.shape[axis]!;
    }
    return { shape, dtype: first.dtype };
  }

  /** `tf.concat` of the top `nItems` items along `axis`. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const items = toList(inputs, this.nIn, 'input');
    return [tf.concat(items, normalizeAxis(this.axis, items[0]!.rank, this.name)), state];
  }
}

/** Concatenates the top `nItems` items along `axis`. @public */
export function Concatenate(nItems = 2, axis = -1): ConcatenateLayer {
  return new ConcatenateLayer(nItems, axis);
}

/** Splits the top item into `nItems` equal parts along `axis`. @public */
export class SplitLayer extends Layer {
  constructor(
    /** The number of parts the top item is cut into. */
    readonly nItems: number,
    /** The axis it is cut along (negative: from the end). */
    readonly axis: number,
  ) {
    super({ nIn: 1, nOut: nItems, name: 'Split' });
  }

  /** `nItems` signatures, each the input's with the size along `axis` divided by `nItems` (which must divide it). */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const x = signature[0]!;
    const axis = normalizeAxis(this.axis, x.shape.length, this.name);
    if (x.shape[axis]! % this.nItems !== 0) {
      throw new Error(`Split: axis ${this.axis} of size ${x.shape[axis]} does not divide into ${this.nItems} parts`);
    }
    const shape = [...x.shape];
    shape[axis] = shape[axis]! / this.nItems;
    return fromList(Array.from({ length: this.nItems }, () => ({ shape, dtype: x.dtype })));
  }

  /** The input cut into `nItems` equal parts along `axis`. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const [x] = toList(inputs, 1, 'input');
    const axis = normalizeAxis(this.axis, x!.rank, this.name);
    if (x!.shape[axis]! % this.nItems !== 0) {
      throw new Error(`Split: axis ${this.axis} of size ${x!.shape[axis]} does not divide into ${this.nItems} parts`);
    }
    return [fromList(tf.split(x!, this.nItems, axis)), state];
  }
}

/** Splits the top item into `nItems` equal parts along `axis`. @public */
export function Split(nItems = 2, axis = -1): SplitLayer {
  return new SplitLayer(nItems, axis);
}
