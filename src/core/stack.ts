import { tf } from '../backend/tf.js';
import type { ShapeDtype, Signature, Stack, Tensor } from './types.js';

/**
 * Unpacks a layer's inputs or outputs into a list of `n` items (Trax's packing rule: one item travels bare,
 * several as an array). `what` names the items in the error when the count is wrong.
 */
export function toList<T>(items: T | readonly T[], n: number, what: string): T[] {
  if (n === 1) {
    if (Array.isArray(items)) {
      if (items.length === 1) return [items[0] as T];
      throw new Error(`expected one ${what} (bare), got an array of ${items.length}`);
    }
    return [items as T];
  }
  if (!Array.isArray(items)) throw new Error(`expected an array of ${n} ${what}s, got a single ${what}`);
  if (items.length !== n) throw new Error(`expected ${n} ${what}s, got ${items.length}`);
  return [...(items as readonly T[])];
}

/**
 * Unpacks the stack given to a layer that takes `n` items and passes any further items through (Trax's `Serial`):
 * a list of at least `n` items (a bare item counts as one).
 */
export function toStackList<T>(items: T | readonly T[], n: number, what: string): T[] {
  const list = Array.isArray(items) ? [...(items as readonly T[])] : [items as T];
  if (list.length < n) throw new Error(`expected at least ${n} ${what}s, got ${list.length}`);
  return list;
}

/** Packs a list by Trax's rule: one item bare, any other count as an array. */
export function fromList<T>(items: readonly T[]): T | T[] {
  return items.length === 1 ? (items[0] as T) : [...items];
}

/** A `ShapeDtype` from a shape (float32 unless told). @public */
export function shapeDtype(shape: readonly number[], dtype: tf.DataType = 'float32'): ShapeDtype {
  return { shape: [...shape], dtype };
}

/** The signature of a stack of tensors. @public */
export function signatureOf(stack: Stack): Signature {
  const one = (t: Tensor): ShapeDtype => ({ shape: [...t.shape], dtype: t.dtype });
  return Array.isArray(stack) ? stack.map(one) : one(stack);
}

/** Zero tensors of a signature, for abstract evaluation. */
export function zerosOf(signature: readonly ShapeDtype[]): Tensor[] {
  return signature.map((s) => tf.zeros([...s.shape], s.dtype));
}

/** `float32[8,10]`-style description of tensors or signatures, for error messages. */
export function describeShapes(items: readonly ShapeDtype[] | ShapeDtype | undefined): string {
  if (items === undefined) return '?';
  const list = Array.isArray(items) ? items : [items as ShapeDtype];
  return `(${list.map((s) => `${s.dtype}[${s.shape.join(',')}]`).join(', ')})`;
}
