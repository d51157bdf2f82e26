/**
 * Speed: `Sum` over leading axes on wasm. The wasm `Sum` kernel reduces only innermost axes, so a sum over the
 * batch (`tf.sum(x, 0)` on `[N, D]`, which every broadcasting gradient of a bias or a scale does) transposes
 * first: about 45 ms for `[8192, 256]`. For float32 inputs with at least {@link MIN_ROWS_FOR_PRODUCT_SUM} rows
 * such a sum is computed as the product `ones[1, N] · x[N, D]` by the registered wasm `BatchMatMul` kernel: about
 * 7 ms, with the same float32 result as the stock kernel in our measurements; where the SIMD kernels of
 * `simd/kernels.wat` can run (Node) and rows have a multiple of 4 values, one SIMD pass over the rows does it
 * instead (about 0.1 ms for `[1728, 128]`, where the product took 1.2 ms). Other sums take the stock kernel.
 *
 * The product multiplies a fresh copy of `x`, never `x` itself: XNNPACK caches the packed right operand of a
 * product by tensor id without its shape, so multiplying `x` under one 2-D view would poison (or be poisoned by) a
 * later product of the same data under another view, silently (see the tests).
 */
import { getKernel, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { simdKernels } from '../simd/simd_kernels.js';
import { float32FromHeap, type WasmBackendLike } from '../wasm_backend.js';
import { replaceWasmKernel } from './replace_wasm_kernel.js';

/** Sums over leading axes with fewer rows than this take the stock kernel. @internal */
export const MIN_ROWS_FOR_PRODUCT_SUM = 64;

/** Replaces the wasm `Sum` kernel by one that sums leading axes in one pass or as a product with ones. */
export function replaceWasmSum(): void {
  replaceWasmKernel('Sum', (stockFunc) => (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
    const k = axes.length;
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    const columns = util.sizeFromShape(x.shape.slice(k));
    const leading = k > 0 && k < rank && axes.every((a, i) => a === i);
    const batchMatMul = getKernel('BatchMatMul', 'wasm');
    if (!leading || x.dtype !== 'float32' || rows < MIN_ROWS_FOR_PRODUCT_SUM || columns === 0 || !batchMatMul) {
      return stockFunc(args);
    }
    const wasm = args.backend as unknown as WasmBackendLike;
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const flatX: TensorInfo = { dataId: x.dataId, shape: [rows * columns], dtype: 'float32' };
    const simd = columns % 4 === 0 ? simdKernels(args.backend) : undefined;
    if (simd) {
      // One SIMD pass over the rows, on the heap (kernels.wat).
      const out = wasm.makeOutput(outShape, 'float32');
      simd.sum_rows(float32FromHeap(wasm, flatX).byteOffset, rows, columns / 4, float32FromHeap(wasm, out).byteOffset);
      return out;
    }
    // A fresh copy of x as the right operand (see above); views are taken after the last allocation.
    const copy = wasm.makeOutput([1, rows, columns], 'float32');
    const ones = wasm.makeOutput([1, 1, rows], 'float32', undefined, new Float32Array(rows).fill(1));
    float32FromHeap(wasm, copy).set(float32FromHeap(wasm, flatX));
    try {
      const product = batchMatMul.kernelFunc({
        inputs: { a: ones, b: copy },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo;
      return { dataId: product.dataId, shape: outShape, dtype: 'float32' };
    } finally {
      wasm.disposeData(copy.dataId);
      wasm.disposeData(ones.dataId);
    }
  });
}
