/**
 * StopGradient: the identity in the forward pass, a zero gradient in the backward pass.
 */
import { tf } from '../../backend/tf.js';
import { Fn, type FnLayer } from '../../core/fn.js';
import type { ShapeDtype, Tensor } from '../../core/types.js';

/**
 * The identity in the forward pass whose gradient is zero: nothing below it on the path to the loss is trained
 * through it (a target computed by the model itself, a frozen branch). The output is a copy of the input.
 * @public
 */
export function StopGradient(): FnLayer {
  const stop = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as Tensor;
    return { value: tf.clone(x), gradFunc: (dy: Tensor | Tensor[]) => tf.zerosLike(dy as Tensor) };
  });
  return Fn('StopGradient', (x) => stop(x), 1, { outputSignature: (s: ShapeDtype) => s });
}
