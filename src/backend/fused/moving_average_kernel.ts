/**
 * An exponential moving average as one kernel: `avg' = d avg + (1 - d) x`, one pass over both tensors where the
 * same in tfjs ops takes three (two products and a sum) and two temporary tensors. Polyak averaging runs it on
 * every weight after every update (for a 30,000 x 128 embedding about 4 ms a step on wasm as ops). On wasm it runs
 * the SIMD kernel of kernels.wat on the heap, on cpu a plain loop; `movingAverage` uses tfjs ops on other backends.
 * Each value is rounded as the ops round it (`d` and `1 - d` as float32 scalars, float32 products and sum), so
 * the results are the same bit for bit.
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { add, engine, getBackend, mul, type Tensor, type TensorInfo, tidy } from '@tensorflow/tfjs-core';
import { isHostBackend, registerHostKernel, withHostArrays } from './host_arrays.js';
import { simdKernels } from '../simd/simd_kernels.js';

/** The kernel's name in tfjs's registry. @internal */
export const MOVING_AVERAGE = 'TraxMovingAverage';

/** `out = d avg + e x` over flat arrays from `start`, each product and the sum rounded to float32. @internal */
export function movingAverageLoop(avg: Float32Array, x: Float32Array, out: Float32Array, d: number, e: number, start = 0): void {
  const [d32, e32] = [Math.fround(d), Math.fround(e)];
  for (let i = start; i < avg.length; i++) out[i] = Math.fround(avg[i]! * d32) + Math.fround(x[i]! * e32);
}

function registerMovingAverageKernels(): void {
  registerHostKernel(MOVING_AVERAGE, (backendName) => ({ inputs, backend, attrs }) => {
    const { avg, x } = inputs as Record<'avg' | 'x', TensorInfo>;
    const { decay } = attrs as { decay: number };
    const simd = backendName === 'wasm' ? simdKernels(backend) : undefined;
    return withHostArrays(backendName, backend, [avg, x], [avg.shape], ([a, xs], [out]) => {
      const n4 = simd ? Math.floor(a!.length / 4) : 0;
      if (simd) simd.moving_average(a!.byteOffset, xs!.byteOffset, out!.byteOffset, n4, decay, 1 - decay);
      movingAverageLoop(a!, xs!, out!, decay, 1 - decay, n4 * 4);
    })[0]!;
  });
}

/**
 * `decay avg + (1 - decay) x` for float32 tensors of one shape: one pass on wasm and cpu, tfjs ops elsewhere (the
 * same values either way).
 * @internal
 */
export function movingAverage(avg: Tensor, x: Tensor, decay: number): Tensor {
  registerMovingAverageKernels();
  const onHost = isHostBackend(getBackend()) && avg.dtype === 'float32' && x.dtype === 'float32';
  if (onHost && avg.shape.join(',') === x.shape.join(',')) {
    return engine().runKernel(MOVING_AVERAGE, { avg, x }, { decay }) as unknown as Tensor;
  }
  return tidy(() => add(mul(avg, decay), mul(x, 1 - decay)));
}
