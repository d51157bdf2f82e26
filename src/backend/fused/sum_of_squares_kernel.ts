/**
 * The sum of a tensor's squared values as one pass (float64 accumulation): what global norms of weights and
 * gradients need every step, without the squared copy and the cast that `x.square().sum()` makes. On wasm it runs
 * the SIMD kernel of kernels.wat on the heap, on cpu a plain loop; `sumOfSquares` uses tfjs ops on other backends.
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { cast, engine, getBackend, type Scalar, square, sum, type Tensor, type TensorInfo, tidy } from '@tensorflow/tfjs-core';
import { isHostBackend, registerHostKernel, withHostArrays } from './host_arrays.js';
import { simdKernels } from '../simd/simd_kernels.js';

/** The kernel's name in tfjs's registry. @internal */
export const SUM_OF_SQUARES = 'TraxSumOfSquares';

function registerSumOfSquaresKernels(): void {
  registerHostKernel(SUM_OF_SQUARES, (backendName) => ({ inputs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    const simd = backendName === 'wasm' ? simdKernels(backend) : undefined;
    return withHostArrays(backendName, backend, [x], [[]], ([values], [out]) => {
      const n4 = simd ? Math.floor(values!.length / 4) : 0;
      let total = simd ? simd.sum_squares(values!.byteOffset, n4) : 0;
      for (let i = n4 * 4; i < values!.length; i++) total += values![i]! * values![i]!;
      out![0] = total;
    })[0]!;
  });
}

/** `sum(x^2)` as a float32 scalar: one pass on wasm and cpu, tfjs ops elsewhere. @internal */
export function sumOfSquares(x: Tensor): Scalar {
  registerSumOfSquaresKernels();
  if (x.dtype === 'float32' && isHostBackend(getBackend())) {
    return engine().runKernel(SUM_OF_SQUARES, { x }, {}) as unknown as Scalar;
  }
  return tidy(() => sum(square(x.dtype === 'float32' ? x : cast(x, 'float32'))));
}
