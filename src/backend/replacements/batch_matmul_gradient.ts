/**
 * The gradient of a broadcasting `BatchMatMul`, on every backend. tfjs's gradient of `matMul(a, b)` with
 * `a: [B, L, D]` and `b: [D, E]` (or any batch shapes that broadcast) returns a gradient of the broadcast shape
 * (`[B, D, E]` for `b`) and backprop fails with "The gradient of input 'b' has shape '2,4,5', which does not match
 * the shape of the input '4,5'". The stock gradient is wrapped so that each input's gradient is summed over the
 * axes it was broadcast along and reshaped to the input's shape. (trax-ts layers still reshape to 2-D products,
 * which wasm runs fastest; see `linearMap`.)
 */
import { broadcast_util, getGradient, type GradConfig, registerGradient, reshape, sum, type Tensor } from '@tensorflow/tfjs-core';

/** `grad` summed over the axes along which an input of `shape` was broadcast, and reshaped to `shape`. */
function unbroadcast(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.shape.join(',') === shape.join(',')) return grad;
  const axes = broadcast_util.getReductionAxes([...shape], grad.shape);
  return reshape(axes.length > 0 ? sum(grad, axes) : grad, [...shape]);
}

/** Wraps the stock `BatchMatMul` gradient so that broadcast batch axes are summed out (once). */
export function fixBatchMatMulGradient(): void {
  const stock = getGradient('BatchMatMul');
  if (!stock || (stock as GradConfig & { unbroadcasts?: boolean }).unbroadcasts) return;
  const fixed: GradConfig & { unbroadcasts: boolean } = {
    ...stock,
    unbroadcasts: true,
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [Tensor, Tensor];
      const grads = stock.gradFunc(dy, saved, attrs);
      return {
        a: () => unbroadcast(grads['a']!(), a.shape),
        b: () => unbroadcast(grads['b']!(), b.shape),
      };
    },
  };
  registerGradient(fixed);
}
