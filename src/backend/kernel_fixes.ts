/**
 * Gaps in tfjs-core 4.22's kernels, closed by composing supported ops.
 *
 * Kept in one place so a reader can see every deviation from stock tfjs. Each fix is exercised by the
 * layer tests on wasm, which is how the gaps were found.
 *
 * Fixes:
 * 1. `UnsortedSegmentSum` on wasm. The wasm backend has no such kernel, and tfjs's gradient of `gather` calls it,
 *    so `tf.grad` through any `tf.gather` failed on wasm with "Kernel 'UnsortedSegmentSum' not registered for
 *    backend 'wasm'". Registered here as an exact O(N·D) scatter-add in JavaScript over the wasm heap, with
 *    TensorFlow's semantics: `segmentIds` (int32) has the shape of a prefix of `x`'s shape, the output is
 *    `[numSegments, ...x.shape.slice(segmentIds.rank)]`, rows with a negative id are dropped, and an id
 *    `>= numSegments` is an error. (The `Embedding` layer does not rely on this: its own gradient uses
 *    `scatterND` directly.)
 * 2. The gradient of a broadcasting `BatchMatMul` on every backend. tfjs's gradient of `matMul(a, b)` with
 *    `a: [B, L, D]` and `b: [D, E]` (or any batch shapes that broadcast) returns a gradient of the broadcast shape
 *    (`[B, D, E]` for `b`) and backprop fails with "The gradient of input 'b' has shape '2,4,5', which does not
 *    match the shape of the input '4,5'". The stock gradient is wrapped so that each input's gradient is summed
 *    over the axes it was broadcast along and reshaped to the input's shape. (trax-ts layers still reshape to
 *    2-D products, which wasm runs fastest; see `linearMap`.)
 * 3. Speed: `Sum` over leading axes on wasm. The wasm `Sum` kernel reduces only innermost axes, so a sum over the
 *    batch (`tf.sum(x, 0)` on `[N, D]`, which every broadcasting gradient of a bias or a scale does) transposes
 *    first: about 45 ms for `[8192, 256]`. For float32 inputs with at least {@link MIN_ROWS_FOR_PRODUCT_SUM} rows
 *    such a sum is computed as the product `ones[1, N] · x[N, D]` by the registered wasm `BatchMatMul` kernel:
 *    about 7 ms, with the same float32 result as the stock kernel in our measurements; where the SIMD kernels of
 *    `simd/kernels.wat` can run (Node) and rows have a multiple of 4 values, one SIMD pass over the rows does it
 *    instead (about 0.1 ms for `[1728, 128]`, where the product took 1.2 ms). Other sums take the stock
 *    kernel. The product multiplies a fresh copy of `x`, never `x` itself: XNNPACK caches the packed right operand
 *    of a product by tensor id without its shape, so multiplying `x` under one 2-D view would poison (or be
 *    poisoned by) a later product of the same data under another view, silently (see the tests).
 * 4. Speed: the wasm `BatchMatMul` fast path of `fast_batch_matmul.ts` (its own module), registered from here.
 * 5. Speed: the wasm `Identity` kernel copies its input; tfjs runs it for every tensor a gradient saves (about 5 ms
 *    of copies in a small tagger's training step). tfjs tensors are immutable, so, as the cpu backend does, the
 *    output shares the input's data (one more reference) instead.
 */
// The kernel registry is taken from tfjs-core itself (the same global registry tf.ts uses).
import {
  broadcast_util,
  getGradient,
  getKernel,
  type GradConfig,
  type KernelConfig,
  type KernelFunc,
  registerGradient,
  registerKernel,
  reshape,
  sum,
  unregisterKernel,
  util,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { registerFastWasmBatchMatMul } from './fast_batch_matmul.js';
import { registerFastWasmGather } from './fast_gather.js';
import { simdKernels } from './simd/simd_kernels.js';
import { unsortedSegmentSumWasmKernel, type WasmBackendLike } from './unsorted_segment_sum.js';
export { segmentSum } from './unsorted_segment_sum.js';

/** Sums over leading axes with fewer rows than this take the stock kernel (fix 3). @internal */
export const MIN_ROWS_FOR_PRODUCT_SUM = 64;

const replacements = new Set<KernelFunc>();

/** Replaces the wasm kernel `name` by `wrap(stock kernel)`, once (a second call keeps the replacement). */
function replaceWasmKernel(name: string, wrap: (stockFunc: KernelFunc) => KernelFunc): void {
  const stock = getKernel(name, 'wasm');
  if (!stock || replacements.has(stock.kernelFunc)) return;
  const kernelFunc = wrap(stock.kernelFunc);
  replacements.add(kernelFunc);
  unregisterKernel(name, 'wasm');
  registerKernel({ ...stock, kernelFunc });
}

/** Replaces the wasm `Sum` kernel by one that sums leading axes in one pass or as a product with ones (fix 3). */
function fixWasmSum(): void {
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
    const wasm = args.backend as unknown as WasmBackendLike & { disposeData(dataId: object): void };
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const simd = columns % 4 === 0 ? simdKernels(args.backend) : undefined;
    if (simd) {
      // One SIMD pass over the rows, on the heap (kernels.wat).
      const out = wasm.makeOutput(outShape, 'float32');
      const input = wasm.typedArrayFromHeap({ dataId: x.dataId, shape: [rows * columns], dtype: 'float32' });
      simd.sum_rows(input.byteOffset, rows, columns / 4, wasm.typedArrayFromHeap(out).byteOffset);
      return out;
    }
    // A fresh copy of x as the right operand (see fix 3 above); views are taken after the last allocation.
    const copy = wasm.makeOutput([1, rows, columns], 'float32');
    const ones = wasm.makeOutput([1, 1, rows], 'float32', undefined, new Float32Array(rows).fill(1));
    wasm.typedArrayFromHeap(copy).set(wasm.typedArrayFromHeap({ dataId: x.dataId, shape: [rows * columns], dtype: 'float32' }));
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

const FIXES: KernelConfig[] = [unsortedSegmentSumWasmKernel];

/** `grad` summed over the axes along which an input of `shape` was broadcast, and reshaped to `shape`. */
function unbroadcast(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.shape.join(',') === shape.join(',')) return grad;
  const axes = broadcast_util.getReductionAxes([...shape], grad.shape);
  return reshape(axes.length > 0 ? sum(grad, axes) : grad, [...shape]);
}

/** Wraps the stock `BatchMatMul` gradient so that broadcast batch axes are summed out (fix 2). */
function fixBatchMatMulGradient(): void {
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

/** Replaces the wasm `Identity` kernel by one that shares the input's data, as the cpu backend's does (fix 5). */
function shareWasmIdentity(): void {
  replaceWasmKernel('Identity', (stockFunc) => (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return stockFunc(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

/**
 * Installs trax-ts's kernel replacements and fixes into tfjs's global kernel and gradient registries, each once (a
 * later call installs only those whose backend has been loaded since): the five fixes listed at the top of `kernel_fixes.ts`. They affect every user of the
 * same tfjs instance, which is why importing trax-ts does not install them: `useBackend` and a layer's
 * first `init` do, and code that drives tfjs itself may call this directly.
 * @public
 */
export function installKernelFixes(): void {
  // Each fix installs itself once, when its backend's kernels are registered (wasm's after `useBackend('wasm')`).
  // A fix never replaces a kernel tfjs provides (a later tfjs may close the gap itself).
  for (const fix of FIXES) if (!getKernel(fix.kernelName, fix.backendName)) registerKernel(fix);
  fixBatchMatMulGradient();
  fixWasmSum();
  registerFastWasmBatchMatMul(); // wasm BatchMatMul fast path (src/backend/fast_batch_matmul.ts)
  registerFastWasmGather(); // wasm row gather for embeddings (src/backend/fast_gather.ts)
  shareWasmIdentity();
}
