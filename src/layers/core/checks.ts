/**
 * Small checks shared by the core layers, so that misuse fails with a message naming the layer.
 */
import { tf } from '../../backend/tf.js';
import type { ShapeDtype, Tensor, Weights } from '../../core/types.js';

/** The weight `name` of a layer's weight tree, or an error naming the layer when it is missing. @internal */
export function weightOf(weights: Weights, name: string, layer: string): Tensor {
  const w = weights[name];
  if (!(w instanceof tf.Tensor)) {
    throw new Error(`${layer}: weight '${name}' is missing; was the layer initialised?`);
  }
  return w;
}

/** Refuses a non-float input. @internal */
export function expectFloat(s: ShapeDtype, layer: string): void {
  if (s.dtype !== 'float32') throw new TypeError(`${layer}: expected a float32 input, got ${s.dtype}[${s.shape.join(',')}]`);
}

/** Refuses an input of rank below `min`. @internal */
export function expectRankAtLeast(s: ShapeDtype, min: number, layer: string): void {
  if (s.shape.length < min) {
    throw new RangeError(`${layer}: expected an input of rank >= ${min}, got shape [${s.shape.join(',')}]`);
  }
}

/** An axis in `[0, rank)` from a possibly negative one. @internal */
export function normalizeAxis(axis: number, rank: number, layer: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`${layer}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}
