import { tf } from '../backend/tf.js';
import { Fn, type FnLayer } from '../core/fn.js';
import type { ShapeDtype } from '../core/types.js';

/**
 * A highway gate (Trax's `Gate`; Srivastava et al., "Highway Networks"): takes `memory, gate, candidate` and gives
 * `gate · memory + (1 - gate) · candidate`, elementwise with broadcasting. A gate of 1 keeps the memory, 0 takes
 * the candidate.
 * @public
 */
export function Gate(): FnLayer {
  return Fn('Gate', (m, g, c) => tf.add(tf.mul(g, m), tf.mul(tf.sub(1, g), c)), 1, {
    outputSignature: (m: ShapeDtype, g: ShapeDtype, c: ShapeDtype) => {
      const mg = tf.broadcast_util.assertAndGetBroadcastShape([...m.shape], [...g.shape]);
      return { shape: tf.broadcast_util.assertAndGetBroadcastShape(mg, [...c.shape]), dtype: m.dtype };
    },
  });
}
