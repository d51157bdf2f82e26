import { tf } from '../backend/tf.js';
import { fromList, toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';

/**
 * The reversible form of `Select`: reorders (and may copy) stack items. Every input must appear among the
 * indices, otherwise the input could not be recovered from the output.
 * @public
 */
export class ReversibleSelectLayer extends ReversibleLayer {
  private readonly firstPlace: number[];

  constructor(
    /** For each output, the index (from the top, 0) of the input item it copies; every input must appear. */
    readonly indices: readonly number[],
    nIn: number,
    name = 'ReversibleSelect',
  ) {
    super({ nIn, nOut: indices.length, name });
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= nIn) throw new RangeError(`${name}: index ${i} is outside the ${nIn} items it takes`);
    }
    this.firstPlace = Array.from({ length: nIn }, (_, k) => {
      const place = indices.indexOf(k);
      if (place < 0) throw new Error(`${name}: not reversible: input ${k} does not appear in the indices [${indices.join(', ')}]`);
      return place;
    });
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

  /** The inputs, each taken from the first output place it was copied to. */
  reverse(output: Stack, _weights: Weights, _state: State, _rng: Key): Stack {
    const items = toList(output, this.nOut, 'output');
    return fromList(this.firstPlace.map((p) => items[p]!));
  }

  /**
   * The reconstructed inputs and their cotangents: an input copied to several places gets the sum of their
   * cotangents. No weights.
   */
  override reverseAndGrad(output: Stack, ct: Stack, weights: Weights, state: State, rng: Key): ReverseAndGradResult {
    const cts = toList(ct, this.nOut, 'cotangent');
    // An input copied to several places gets the sum of their cotangents.
    const inputCts = this.firstPlace.map((_, k) => {
      const parts: Tensor[] = [];
      this.indices.forEach((i, p) => i === k && parts.push(cts[p]!));
      return parts.length === 1 ? parts[0]! : tf.addN(parts);
    });
    return [this.reverse(output, weights, state, rng), fromList(inputCts), {}];
  }
}

/**
 * Reorders stack items reversibly; `nIn` defaults to one more than the largest index. Named as in Trax after its
 * indices (`ReversibleSelect[1,0]`).
 *
 * @example
 * ```ts
 * ReversibleSelect([1, 0]);   // a, b -> b, a
 * ```
 * @public
 */
export function ReversibleSelect(indices: readonly number[], nIn?: number): ReversibleSelectLayer {
  return new ReversibleSelectLayer(
    indices,
    nIn ?? (indices.length ? Math.max(...indices) + 1 : 0),
    `ReversibleSelect[${indices.join(',')}]`,
  );
}

/** Swaps the top two stack items, reversibly: `a, b -> b, a`. @public */
export function ReversibleSwap(): ReversibleSelectLayer {
  return new ReversibleSelectLayer([1, 0], 2, 'ReversibleSwap');
}
