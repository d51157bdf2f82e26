/**
 * Softmax over the last axis with its log-normaliser, forward and backward, as two kernels: one pass per row where
 * tfjs ops take five kernels forward (max, subtract, exp, sum, divide) and five backward, each a full pass over the
 * scores. Attention spends them on every `[.., Lq, Lk]` score tensor. On wasm they run the SIMD kernels of
 * kernels.wat on the heap (a vectorised `exp`: Cephes' polynomial, within 2 ulp of `Math.exp`), elsewhere on the
 * host (cpu, or wasm without SIMD) plain loops; on other backends (webgl) `softmaxKernelsRun` is false and callers
 * compose tfjs ops.
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { engine, getBackend, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { isHostBackend, registerHostKernel, withHostArrays } from './host_arrays.js';
import { simdKernels } from '../simd/simd_kernels.js';

/** Kernel names in tfjs's registry. @internal */
export const SOFTMAX = 'TraxSoftmax';
/** @internal */
export const SOFTMAX_GRAD = 'TraxSoftmaxGrad';

/** Forward pass over `[rows, n]`: `y = exp(x - max) / sum`, and each row's `max` and `sum` of `exp(x - max)`. @internal */
export function softmaxLoop(x: Float32Array, y: Float32Array, max: Float32Array, sum: Float32Array): void {
  const rows = max.length;
  const n = rows === 0 ? 0 : x.length / rows;
  for (let r = 0, off = 0; r < rows; r++, off += n) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x[off + j]!);
    let s = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[off + j]! - m);
      y[off + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < n; j++) y[off + j] = y[off + j]! * inv;
    max[r] = m;
    sum[r] = s;
  }
}

/** Backward pass over `[rows, n]`: `dx = p (dp - sum(dp p) + dLse)` per row (`dLse`: one value per row, or none). @internal */
export function softmaxGradLoop(dp: Float32Array, p: Float32Array, dLse: Float32Array | undefined, dx: Float32Array, n: number): void {
  for (let off = 0, r = 0; off < dp.length; off += n, r++) {
    let dot = 0;
    for (let j = 0; j < n; j++) dot += dp[off + j]! * p[off + j]!;
    const c = (dLse ? dLse[r]! : 0) - dot;
    for (let j = 0; j < n; j++) dx[off + j] = p[off + j]! * (dp[off + j]! + c);
  }
}

function registerSoftmaxKernels(): void {
  registerHostKernel(SOFTMAX, (backendName) => ({ inputs, backend }) => {
    const { x } = inputs as Record<'x', TensorInfo>;
    const [rows, n] = x.shape as [number, number];
    const simd = backendName === 'wasm' ? simdKernels(backend) : undefined;
    // Outputs: the softmax, the log-normaliser, and the row sums (a temporary the caller disposes).
    const outputs = withHostArrays(backendName, backend, [x], [x.shape, [rows, 1], [rows, 1]], ([xs], [y, lse, sum]) => {
      if (simd) simd.softmax_rows(xs!.byteOffset, y!.byteOffset, lse!.byteOffset, sum!.byteOffset, rows, n);
      else softmaxLoop(xs!, y!, lse!, sum!);
      for (let r = 0; r < rows; r++) lse![r] = lse![r]! + Math.log(sum![r]!);
    });
    return outputs;
  });
  registerHostKernel(SOFTMAX_GRAD, (backendName) => ({ inputs, backend }) => {
    const { dp, p, dLse } = inputs as Record<'dp' | 'p', TensorInfo> & { dLse?: TensorInfo };
    const [rows, n] = dp.shape as [number, number];
    const simd = backendName === 'wasm' ? simdKernels(backend) : undefined;
    const given = dLse ? [dp, p, dLse] : [dp, p];
    return withHostArrays(backendName, backend, given, [dp.shape], ([d, ps, dl], [dx]) => {
      if (simd) simd.softmax_grad(d!.byteOffset, ps!.byteOffset, dl ? dl.byteOffset : 0, dx!.byteOffset, rows, n);
      else softmaxGradLoop(d!, ps!, dl, dx!, n);
    });
  });
}

/** Whether the kernels run on the active backend (float32 inputs); otherwise compose tfjs ops. @internal */
export function softmaxKernelsRun(...tensors: Tensor[]): boolean {
  return isHostBackend(getBackend()) && tensors.every((t) => t.dtype === 'float32');
}

/**
 * `[p, lse]`: the softmax of `x` over its last axis and the log-sum-exp of each row (`x`'s shape with a last axis
 * of 1). Check {@link softmaxKernelsRun} first. Not differentiable by itself (see {@link softmaxGradKernel}).
 * @internal
 */
export function softmaxKernel(x: Tensor): [Tensor, Tensor] {
  registerSoftmaxKernels();
  const n = x.shape[x.rank - 1]!;
  return engine().tidy(() => {
    const [p, lse] = engine().runKernel(SOFTMAX, { x: x.reshape([x.size / n, n]) }, {}) as unknown as [Tensor, Tensor, Tensor];
    return [p.reshape(x.shape), lse.reshape([...x.shape.slice(0, -1), 1])];
  });
}

/**
 * The gradient reaching `x` of {@link softmaxKernel}'s outputs: `p (dp - rowsum(dp p) + dLse)`, given the softmax
 * `p`, the gradient `dp` reaching it, and (optionally) the gradient `dLse` reaching the log-normaliser.
 * @internal
 */
export function softmaxGradKernel(dp: Tensor, p: Tensor, dLse?: Tensor): Tensor {
  registerSoftmaxKernels();
  const n = p.shape[p.rank - 1]!;
  const rows = p.size / n;
  return engine().tidy(() => {
    const inputs: Record<string, Tensor> = { dp: dp.reshape([rows, n]), p: p.reshape([rows, n]) };
    if (dLse) inputs['dLse'] = dLse.reshape([rows, 1]);
    const [dx] = engine().runKernel(SOFTMAX_GRAD, inputs, {}) as unknown as [Tensor];
    return dx.reshape(p.shape);
  });
}
