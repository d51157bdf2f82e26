import { tf } from '../backend/tf.js';
import { Fn, type FnLayer } from '../core/fn.js';
import type { ShapeDtype } from '../core/types.js';

/**
 * Subtracts the top item from the one below it (Trax's `SubtractTop`): `a, b -> b - a`, with broadcasting.
 * @public
 */
export function SubtractTop(): FnLayer {
  return Fn('SubtractTop', (a, b) => tf.sub(b, a), 1, {
    outputSignature: (a: ShapeDtype, b: ShapeDtype) => ({
      shape: tf.broadcast_util.assertAndGetBroadcastShape([...a.shape], [...b.shape]),
      dtype: b.dtype,
    }),
  });
}
