/**
 * Reshaping and reducing layers: Flatten, Mean, Sum, Min, Max and ArgMax.
 */
import { tf } from '../../backend/tf.js';
import { Fn, type FnLayer } from '../../core/fn.js';
import type { ShapeDtype } from '../../core/types.js';
import { normalizeAxis } from './checks.js';

/** An axis, a list of axes, or `null` for all axes. @public */
export type Axes = number | readonly number[] | null;

function resolveAxes(axes: Axes, rank: number, who: string): number[] {
  if (axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const resolved = list.map((a) => normalizeAxis(a, rank, who));
  if (new Set(resolved).size !== resolved.length) throw new RangeError(`${who}: repeated axis in [${list.join(',')}]`);
  return resolved;
}

function reducedShape(shape: readonly number[], axes: Axes, keepdims: boolean, who: string): number[] {
  const reduced = new Set(resolveAxes(axes, shape.length, who));
  return shape.flatMap((d, i) => (reduced.has(i) ? (keepdims ? [1] : []) : [d]));
}

/**
 * Collapses all axes after the first `nAxesToKeep` into one: with `nAxesToKeep` 2, `[2, 3, 5, 7]` becomes
 * `[2, 3, 35]`. The values are unchanged. Named `Flatten_keep<n>`, as in Trax.
 * @public
 */
export function Flatten(nAxesToKeep = 1): FnLayer {
  if (!Number.isInteger(nAxesToKeep) || nAxesToKeep < 0)
    throw new RangeError(`Flatten: nAxesToKeep must be a non-negative integer, got ${nAxesToKeep}`);
  const name = `Flatten_keep${nAxesToKeep}`;
  const shapeOf = (shape: readonly number[]): number[] => {
    if (shape.length <= nAxesToKeep) {
      throw new RangeError(`${name}: input rank (${shape.length}) must exceed the number of axes to keep (${nAxesToKeep})`);
    }
    return [...shape.slice(0, nAxesToKeep), shape.slice(nAxesToKeep).reduce((a, b) => a * b, 1)];
  };
  return Fn(name, (x) => tf.reshape(x, shapeOf(x.shape)), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: shapeOf(s.shape), dtype: s.dtype }),
  });
}

/**
 * The mean over `axis` (default: the last; a list of axes or `null` for all), dropping the reduced axes unless
 * `keepdims`.
 * @public
 */
export function Mean(axis: Axes = -1, keepdims = false): FnLayer {
  return Fn('Mean', (x) => tf.mean(x, resolveAxes(axis, x.rank, 'Mean'), keepdims), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: reducedShape(s.shape, axis, keepdims, 'Mean'), dtype: 'float32' }),
  });
}

/**
 * The sum over `axis` (default: the last; a list of axes or `null` for all), dropping the reduced axes unless
 * `keepdims`.
 * @public
 */
export function Sum(axis: Axes = -1, keepdims = false): FnLayer {
  return Fn('Sum', (x) => tf.sum(x, resolveAxes(axis, x.rank, 'Sum'), keepdims), 1, {
    outputSignature: (s: ShapeDtype) => ({
      shape: reducedShape(s.shape, axis, keepdims, 'Sum'),
      dtype: s.dtype === 'bool' ? 'int32' : s.dtype,
    }),
  });
}

/**
 * The int32 index of the largest value along `axis` (default: the last), which is dropped: the usual way from
 * log-probabilities to predicted classes. It has no gradient.
 * @public
 */
export function ArgMax(axis = -1): FnLayer {
  return Fn('ArgMax', (x) => tf.argMax(x, normalizeAxis(axis, x.rank, 'ArgMax')), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: reducedShape(s.shape, axis, false, 'ArgMax'), dtype: 'int32' }),
  });
}

/**
 * The smallest value over `axis` (default: the last; a list of axes or `null` for all), dropping the reduced axes
 * unless `keepdims`. Its gradient, tfjs's, goes to the entries equal to the minimum.
 * @public
 */
export function Min(axis: Axes = -1, keepdims = false): FnLayer {
  return Fn('Min', (x) => tf.min(x, resolveAxes(axis, x.rank, 'Min'), keepdims), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: reducedShape(s.shape, axis, keepdims, 'Min'), dtype: s.dtype }),
  });
}

/**
 * The largest value over `axis` (default: the last; a list of axes or `null` for all), dropping the reduced axes
 * unless `keepdims`. Its gradient, tfjs's, goes to the entries equal to the maximum.
 * @public
 */
export function Max(axis: Axes = -1, keepdims = false): FnLayer {
  return Fn('Max', (x) => tf.max(x, resolveAxes(axis, x.rank, 'Max'), keepdims), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: reducedShape(s.shape, axis, keepdims, 'Max'), dtype: s.dtype }),
  });
}
