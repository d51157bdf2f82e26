import { tf } from '../backend/tf.js';
import { Fn, type FnLayer } from '../core/fn.js';
import type { ShapeDtype } from '../core/types.js';

function broadcastSignature(a: ShapeDtype, b: ShapeDtype): ShapeDtype {
  return { shape: tf.broadcast_util.assertAndGetBroadcastShape([...a.shape], [...b.shape]), dtype: a.dtype };
}

/** Adds the top two items (broadcasting): `a, b -> a + b`. @public */
export function Add(): FnLayer {
  return Fn('Add', (a, b) => tf.add(a, b), 1, { outputSignature: broadcastSignature });
}

/** Multiplies the top two items elementwise (broadcasting): `a, b -> a * b`. @public */
export function Multiply(): FnLayer {
  return Fn('Multiply', (a, b) => tf.mul(a, b), 1, { outputSignature: broadcastSignature });
}
