/**
 * Layer normalisation over the last axis, forward and backward, as two kernels: one pass per row where the same
 * arithmetic in tfjs ops takes about nine kernels forward and ten backward, each a full pass over the activations.
 * On wasm they run the SIMD kernels of kernels.wat on the heap (rows of a multiple of 4 values), elsewhere on the
 * host (cpu, or wasm without SIMD) plain loops; on other backends (webgl) `layerNormKernelsRun` is false and the
 * `LayerNorm` layer composes tfjs ops instead.
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { engine, getBackend, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { isHostBackend, registerHostKernel, withHostArrays } from './host_arrays.js';
import { simdKernels } from '../simd/simd_kernels.js';

/** Kernel names in tfjs's registry. @internal */
export const LAYER_NORM = 'TraxLayerNorm';
/** @internal */
export const LAYER_NORM_GRAD = 'TraxLayerNormGrad';

/** Forward pass over `[rows, depth]` arrays (float64 row statistics). @internal */
export function layerNormLoop(
  x: Float32Array,
  scale: Float32Array,
  bias: Float32Array,
  y: Float32Array,
  xhat: Float32Array,
  rstd: Float32Array,
  epsilon: number,
): void {
  const depth = scale.length;
  for (let r = 0, off = 0; r < rstd.length; r++, off += depth) {
    let sum = 0;
    for (let j = 0; j < depth; j++) sum += x[off + j]!;
    const mean = sum / depth;
    let squares = 0;
    for (let j = 0; j < depth; j++) squares += (x[off + j]! - mean) ** 2;
    const rs = 1 / Math.sqrt(squares / depth + epsilon);
    rstd[r] = rs;
    for (let j = 0; j < depth; j++) {
      const h = (x[off + j]! - mean) * rs;
      xhat[off + j] = h;
      y[off + j] = h * scale[j]! + bias[j]!;
    }
  }
}

/** Backward pass: `dx`, and the column sums `dScale = sum(dy xhat)`, `dBias = sum(dy)`. @internal */
export function layerNormGradLoop(
  dy: Float32Array,
  xhat: Float32Array,
  rstd: Float32Array,
  scale: Float32Array,
  dx: Float32Array,
  dScale: Float32Array,
  dBias: Float32Array,
): void {
  const depth = scale.length;
  dScale.fill(0);
  dBias.fill(0);
  for (let r = 0, off = 0; r < rstd.length; r++, off += depth) {
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < depth; j++) {
      const g = dy[off + j]! * scale[j]!;
      sumG += g;
      sumGX += g * xhat[off + j]!;
      dScale[j] = dScale[j]! + dy[off + j]! * xhat[off + j]!;
      dBias[j] = dBias[j]! + dy[off + j]!;
    }
    const meanG = sumG / depth;
    const meanGX = sumGX / depth;
    for (let j = 0; j < depth; j++) dx[off + j] = (dy[off + j]! * scale[j]! - meanG - xhat[off + j]! * meanGX) * rstd[r]!;
  }
}

function registerLayerNormKernels(): void {
  registerHostKernel(LAYER_NORM, (backendName) => ({ inputs, backend, attrs }) => {
    const { x, scale, bias } = inputs as Record<'x' | 'scale' | 'bias', TensorInfo>;
    const epsilon = (attrs as { epsilon: number }).epsilon;
    const [rows, depth] = x.shape as [number, number];
    const simd = backendName === 'wasm' && depth % 4 === 0 ? simdKernels(backend) : undefined;
    return withHostArrays(backendName, backend, [x, scale, bias], [x.shape, x.shape, [rows, 1]], ([xs, s, b], [y, xhat, rstd]) => {
      if (simd)
        simd.layer_norm(
          xs!.byteOffset,
          s!.byteOffset,
          b!.byteOffset,
          y!.byteOffset,
          xhat!.byteOffset,
          rstd!.byteOffset,
          rows,
          depth / 4,
          epsilon,
        );
      else layerNormLoop(xs!, s!, b!, y!, xhat!, rstd!, epsilon);
    });
  });
  registerHostKernel(LAYER_NORM_GRAD, (backendName) => ({ inputs, backend }) => {
    const { dy, xhat, rstd, scale } = inputs as Record<'dy' | 'xhat' | 'rstd' | 'scale', TensorInfo>;
    const [rows, depth] = dy.shape as [number, number];
    const simd = backendName === 'wasm' && depth % 4 === 0 ? simdKernels(backend) : undefined;
    return withHostArrays(
      backendName,
      backend,
      [dy, xhat, rstd, scale],
      [dy.shape, [depth], [depth]],
      ([d, h, r, s], [dx, dScale, dBias]) => {
        if (simd)
          simd.layer_norm_grad(
            d!.byteOffset,
            h!.byteOffset,
            r!.byteOffset,
            s!.byteOffset,
            dx!.byteOffset,
            dScale!.byteOffset,
            dBias!.byteOffset,
            rows,
            depth / 4,
          );
        else layerNormGradLoop(d!, h!, r!, s!, dx!, dScale!, dBias!);
      },
    );
  });
}

/** Whether the kernels run on the active backend (float32 inputs); otherwise compose tfjs ops. @internal */
export function layerNormKernelsRun(...tensors: Tensor[]): boolean {
  return isHostBackend(getBackend()) && tensors.every((t) => t.dtype === 'float32');
}

/** `[y, xhat, rstd]` of `x: [rows, depth]` (`rstd: [rows, 1]`). Check {@link layerNormKernelsRun} first. @internal */
export function layerNormKernel(x: Tensor, scale: Tensor, bias: Tensor, epsilon: number): [Tensor, Tensor, Tensor] {
  registerLayerNormKernels();
  return engine().runKernel(LAYER_NORM, { x, scale, bias }, { epsilon }) as unknown as [Tensor, Tensor, Tensor];
}

/** `[dx, dScale, dBias]` for `dy: [rows, depth]`. Check {@link layerNormKernelsRun} first. @internal */
export function layerNormGradKernel(dy: Tensor, xhat: Tensor, rstd: Tensor, scale: Tensor): [Tensor, Tensor, Tensor] {
  registerLayerNormKernels();
  return engine().runKernel(LAYER_NORM_GRAD, { dy, xhat, rstd, scale }, {}) as unknown as [Tensor, Tensor, Tensor];
}
