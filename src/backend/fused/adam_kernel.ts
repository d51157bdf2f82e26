/**
 * Adam's update as one kernel: a single pass over the weight, its gradient and its two moments, where the same
 * update written as tfjs ops makes a dozen passes and as many temporary tensors (about 20 ms a step for a
 * 30,000 x 128 embedding on wasm; the SIMD pass takes 3 ms). On wasm it runs the SIMD kernel of kernels.wat on
 * the heap (no copies), on cpu a plain loop; `adamUpdate` falls back to the same arithmetic in tfjs ops on other
 * backends (webgl).
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { add, div, engine, getBackend, mul, sqrt, square, sub, type Tensor, type TensorInfo, tidy, util } from '@tensorflow/tfjs-core';
import { isHostBackend, registerHostKernel, withHostArrays } from './host_arrays.js';
import { simdKernels } from '../simd/simd_kernels.js';

/** The kernel's name in tfjs's registry. @internal */
export const ADAM_UPDATE = 'TraxAdamUpdate';

/** One Adam step's constants. @internal */
export interface AdamUpdateAttrs {
  b1: number;
  b2: number;
  eps: number;
  /** The step's learning rate. */
  learningRate: number;
  /** Bias corrections `1 - b1^t` and `1 - b2^t`. */
  c1: number;
  c2: number;
  /** Decoupled weight decay factor `1 - weightDecayRate`. */
  decay: number;
}

/**
 * `m' = b1 m + (1 - b1) g`, `v' = b2 v + (1 - b2) g^2`, `w' = decay w - learningRate (m' / c1) / (sqrt(v' / c2) + eps)`,
 * over flat arrays (float64 arithmetic, float32 results).
 * @internal
 */
export function adamLoop(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  out: Float32Array[],
  a: AdamUpdateAttrs,
  start = 0,
): void {
  const [wOut, mOut, vOut] = out as [Float32Array, Float32Array, Float32Array];
  const { b1, b2, eps, decay } = a;
  const a1 = 1 - b1;
  const a2 = 1 - b2;
  const step = a.learningRate / a.c1;
  const inv2 = 1 / a.c2;
  for (let i = start; i < w.length; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + a1 * gi;
    const vi = b2 * v[i]! + a2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = decay * w[i]! - (step * mi) / (Math.sqrt(vi * inv2) + eps);
  }
}

function registerAdamKernels(): void {
  registerHostKernel(ADAM_UPDATE, (backendName) => ({ inputs, backend, attrs }) => {
    const { weight, grad, m, v } = inputs as Record<'weight' | 'grad' | 'm' | 'v', TensorInfo>;
    const a = attrs as unknown as AdamUpdateAttrs;
    const simd = backendName === 'wasm' ? simdKernels(backend) : undefined;
    const n4 = Math.floor(util.sizeFromShape(weight.shape) / 4);
    return withHostArrays(
      backendName,
      backend,
      [weight, grad, m, v],
      [weight.shape, weight.shape, weight.shape],
      ([w, g, mIn, vIn], out) => {
        if (simd) {
          const at = (x: Float32Array): number => x.byteOffset;
          simd.adam(
            at(w!),
            at(g!),
            at(mIn!),
            at(vIn!),
            at(out[0]!),
            at(out[1]!),
            at(out[2]!),
            n4,
            a.b1,
            a.b2,
            a.eps,
            a.learningRate / a.c1,
            1 / a.c2,
            a.decay,
          );
        }
        adamLoop(w!, g!, mIn!, vIn!, out, a, simd ? n4 * 4 : 0);
      },
    );
  });
}

/**
 * One Adam update of one float32 weight: `[weight', m', v']` (see {@link adamLoop}). One pass on wasm and cpu;
 * tfjs ops elsewhere.
 * @internal
 */
export function adamUpdate(weight: Tensor, grad: Tensor, m: Tensor, v: Tensor, attrs: AdamUpdateAttrs): [Tensor, Tensor, Tensor] {
  registerAdamKernels();
  const onHost = isHostBackend(getBackend()) && [weight, grad, m, v].every((t) => t.dtype === 'float32');
  if (onHost) {
    return engine().runKernel(ADAM_UPDATE, { weight, grad, m, v }, attrs as unknown as Record<string, number>) as unknown as [
      Tensor,
      Tensor,
      Tensor,
    ];
  }
  return tidy(() => {
    const { b1, b2, eps, learningRate, c1, c2, decay } = attrs;
    const m2 = add(mul(grad, 1 - b1), mul(m, b1));
    const v2 = add(mul(square(grad), 1 - b2), mul(v, b2));
    const delta = div(mul(div(m2, c1), learningRate), add(sqrt(div(v2, c2)), eps));
    const w2 = sub(decay === 1 ? weight : mul(weight, decay), delta);
    return [w2, m2, v2] as [Tensor, Tensor, Tensor];
  });
}
