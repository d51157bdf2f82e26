import { tf } from '../../backend/tf.js';
import { Fn, type FnLayer } from '../../core/fn.js';
import type { ShapeDtype } from '../../core/types.js';

/**
 * Maps a batch of id sequences `[B, L]` to a boolean attention mask `[B, 1, 1, L]` that is true where the id is
 * not `pad` (a real token) and false at padding. The two unit axes broadcast over attention heads and query
 * positions, as in Trax. Named `PaddingMask(<pad>)`.
 * @public
 */
export function PaddingMask(pad = 0): FnLayer {
  const name = `PaddingMask(${pad})`;
  const maskShape = (shape: readonly number[]): number[] => {
    if (shape.length !== 2) throw new RangeError(`${name}: expected ids of shape [batch, length], got [${shape.join(',')}]`);
    return [shape[0]!, 1, 1, shape[1]!];
  };
  return Fn(name, (ids) => tf.reshape(tf.notEqual(ids, tf.scalar(pad, ids.dtype)), maskShape(ids.shape)), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: maskShape(s.shape), dtype: 'bool' }),
  });
}
