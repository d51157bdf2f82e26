import { tf } from '../backend/tf.js';
import { fromList, toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';

function checkPrefix(shape: readonly number[], what: string): number[] {
  if (shape.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || shape.filter((d) => d === -1).length > 1) {
    throw new RangeError(`ReversibleReshape: ${what} must be positive integers with at most one -1, got [${shape.join(', ')}]`);
  }
  return [...shape];
}

/** `prefix` with its `-1` resolved so that it holds `size` elements, or an error. */
function resolvePrefix(prefix: readonly number[], size: number, who: string): number[] {
  const known = prefix.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const free = prefix.indexOf(-1);
  if (free < 0) {
    if (known !== size) throw new Error(`${who}: cannot reshape ${size} elements into [${prefix.join(', ')}]`);
    return [...prefix];
  }
  if (size % known !== 0) throw new Error(`${who}: cannot reshape ${size} elements into [${prefix.join(', ')}]`);
  return prefix.map((d) => (d === -1 ? size / known : d));
}

/**
 * Reshapes the leading axes of each of its `nIn` items from `shape1` to `shape2`, keeping the trailing axes
 * (Trax's `ReversibleReshape`): with `shape1 = [B, L]` and `shape2 = [B * L]`, `[B, L, D]` becomes `[B * L, D]`;
 * its reverse reshapes back. Each shape may hold one `-1`. An item whose leading axes are not `shape1` is
 * refused (where Trax reshapes anything of the right size, and its reverse then gives another shape). Named
 * `ReversibleReshape_[shape1]_[shape2]`.
 * @public
 */
export class ReversibleReshapeLayer extends ReversibleLayer {
  /** The leading axes of each input item (one may be `-1`). */
  readonly shape1: readonly number[];
  /** The leading axes of each output item (one may be `-1`). */
  readonly shape2: readonly number[];

  constructor(shape1: readonly number[], shape2: readonly number[], nIn = 1) {
    super({ nIn, nOut: nIn, name: `ReversibleReshape_[${shape1.join(', ')}]_[${shape2.join(', ')}]` });
    this.shape1 = checkPrefix(shape1, 'shape1');
    this.shape2 = checkPrefix(shape2, 'shape2');
  }

  /** The shape an item of `shape` takes when its leading `from` axes become `to`. */
  private reshaped(shape: readonly number[], from: readonly number[], to: readonly number[]): number[] {
    if (shape.length < from.length)
      throw new Error(`${this.name}: an item of shape [${shape.join(',')}] has fewer axes than [${from.join(', ')}]`);
    const lead = shape.slice(0, from.length);
    if (lead.some((d, i) => from[i] !== -1 && from[i] !== d)) {
      throw new Error(`${this.name}: an item of shape [${shape.join(',')}] does not start with [${from.join(', ')}]`);
    }
    const size = lead.reduce((a, b) => a * b, 1);
    return [...resolvePrefix(to, size, this.name), ...shape.slice(from.length)];
  }

  /** Each item's signature with its leading `shape1` axes replaced by `shape2`. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    return fromList(signature.map((s) => ({ shape: this.reshaped(s.shape, this.shape1, this.shape2), dtype: s.dtype })));
  }

  /** Each item reshaped from leading axes `shape1` to `shape2`. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const items = toList(inputs, this.nIn, 'input');
    return [fromList(items.map((x) => tf.reshape(x, this.reshaped(x.shape, this.shape1, this.shape2)))), state];
  }

  /** Each output reshaped back from leading axes `shape2` to `shape1`. */
  reverse(output: Stack, _weights: Weights, _state: State, _rng: Key): Stack {
    return this.withContext(output, () => {
      const items = toList(output, this.nOut, 'output');
      return fromList(items.map((y) => tf.reshape(y, this.reshaped(y.shape, this.shape2, this.shape1))));
    });
  }

  /** The reconstructed inputs and the cotangents reshaped back like them (zeros for items that are not float). */
  override reverseAndGrad(output: Stack, ct: Stack, weights: Weights, state: State, rng: Key): ReverseAndGradResult {
    const inputs = toList(this.reverse(output, weights, state, rng), this.nIn, 'input');
    const cts = toList(ct, this.nOut, 'cotangent');
    // The cotangent of a reshape is the cotangent reshaped back (zeros for items that are not float).
    const inputCts = inputs.map((x, i) => (x.dtype === 'float32' ? tf.reshape(cts[i]!, x.shape) : tf.zeros(x.shape)));
    return [fromList(inputs), fromList(inputCts as Tensor[]), {}];
  }
}

/**
 * Reshapes the leading axes of `nIn` items from `shape1` to `shape2`, reversibly (see {@link ReversibleReshapeLayer}).
 *
 * @example
 * ```ts
 * ReversibleReshape([2, 8], [16]);   // [2, 8, 64] -> [16, 64], and back in the backward pass
 * ```
 * @public
 */
export function ReversibleReshape(shape1: readonly number[], shape2: readonly number[], nIn = 1): ReversibleReshapeLayer {
  return new ReversibleReshapeLayer(shape1, shape2, nIn);
}
