/**
 * A faster `BatchMatMul` for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 multiplies quickly (XNNPACK) only when both operands form one non-transposed 2-D product;
 * a transposed operand or a batch of products falls back to a naive loop at 0.5-1 GMAC/s, and even the fast path
 * repacks a right operand that changes every step (a weight gradient's `dy`). Attention is made of batched and
 * transposed products, and every matMul gradient uses transposes. This kernel computes the same float32 sums (in
 * the same order) but reorganises the work:
 *
 * - products whose N is a multiple of 8 or above 16 run on trax-ts's packed SIMD GEMM (`gemm` in
 *   `simd/kernels.wat`): transposed operands are read as strides while packing, a left batch against one right
 *   operand folds into rows (`[B·M, K]·[K, N]`), other batches make one call per item (broadcasting as
 *   `tf.matMul` does). 21-30 GMAC/s on the NER model's shapes against 14-23 for XNNPACK through tfjs;
 * - small per-item products (at most {@link SIMD_PRODUCT_MACS} multiply-adds: attention over short sentences) run
 *   on the dot/axpy SIMD kernels straight from the operands;
 * - the rest (narrow products, or no SIMD) goes to XNNPACK: a transposed operand is transposed explicitly first,
 *   the left batch folded into rows when the right operand is shared, otherwise each batch item is copied into a
 *   `[1, M, K]`/`[1, K, N]` scratch pair and multiplied on the fast path.
 *
 * XNNPACK caches the packing of a product's right operand by tensor id, not shape, so a right operand whose data was
 * already packed under another `[K, N]` (a reshape view of the same buffer) is copied first; data met again under
 * its first shape reuses the packing, which is right because tensors are immutable.
 *
 * Tiny batched products (fewer than {@link SMALL_PRODUCT_MACS} multiply-adds per batch item) that no SIMD kernel
 * takes stay on the stock kernel, whose per-call overhead is lower. Only the wasm kernel is replaced; cpu and webgl
 * are untouched.
 *
 * It takes the kernel registry from tfjs-core itself (the same global registry `tf.ts` uses) and needs nothing that
 * `tf.ts` registers.
 */
import { type SimdKernels, simdKernels } from '../simd/simd_kernels.js';
import { float32FromHeap, type WasmBackendLike } from '../wasm_backend.js';
import {
  broadcast_util,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';

/** Per-batch-item products smaller than this many multiply-adds stay on the stock kernel. */
export const SMALL_PRODUCT_MACS = 16384;

interface BatchMatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackendLike;
  attrs: { transposeA: boolean; transposeB: boolean };
}

let installed: KernelFunc | undefined;
let stockConfig: KernelConfig | undefined;

/** Whether the wasm backend's `BatchMatMul` is currently this module's kernel. @public */
export function isFastWasmBatchMatMulInstalled(): boolean {
  return installed !== undefined && getKernel('BatchMatMul', 'wasm')?.kernelFunc === installed;
}

/**
 * Replaces the wasm backend's `BatchMatMul` kernel by the faster one described above. Idempotent; does nothing
 * when the wasm backend's kernels are not registered.
 * @public
 */
export function registerFastWasmBatchMatMul(): void {
  if (installed) return;
  const stock = getKernel('BatchMatMul', 'wasm');
  const transposeKernel = getKernel('Transpose', 'wasm');
  if (!stock || !transposeKernel) return;
  const stockFunc = stock.kernelFunc as unknown as (args: BatchMatMulArgs) => TensorInfo;
  const transposeFunc = transposeKernel.kernelFunc as unknown as (args: {
    inputs: { x: TensorInfo };
    backend: WasmBackendLike;
    attrs: { perm: number[] };
  }) => TensorInfo;

  const kernelFunc = (args: BatchMatMulArgs): TensorInfo => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs;
    const backend = args.backend;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return stockFunc(args);
    const rA = a.shape.length;
    const rB = b.shape.length;
    const M = transposeA ? a.shape[rA - 1]! : a.shape[rA - 2]!;
    const K = transposeA ? a.shape[rA - 2]! : a.shape[rA - 1]!;
    const Kb = transposeB ? b.shape[rB - 1]! : b.shape[rB - 2]!;
    const N = transposeB ? b.shape[rB - 2]! : b.shape[rB - 1]!;
    if (K !== Kb) return stockFunc(args); // the stock kernel raises tfjs's own error message
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const outerOut = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = util.sizeFromShape(outerOut);
    const batchA = util.sizeFromShape(outerA);
    const batchB = util.sizeFromShape(outerB);
    const outShape = [...outerOut, M, N];
    const alreadyFast = !transposeA && !transposeB && batchA === 1 && batchB === 1;
    if (batch === 0 || M * N === 0) return stockFunc(args);
    if (!alreadyFast && M * K * N <= simdProductMacs) {
      const simd = simdKernels(backend);
      const whole = (n: number): boolean => n === batch || n === 1;
      if (simd && whole(batchA) && whole(batchB)) {
        const out = smallProducts(simd, backend, a, b, { batch, batchA, batchB, M, K, N, transposeA, transposeB }, outShape);
        if (out) return out;
      }
    }
    // One 2-D product (a left batch folds into rows unless A is transposed): the SIMD GEMM, when N suits its tiles.
    // Otherwise a batch of products, one GEMM call per item on the operands where they lie. (N is padded to the GEMM's
    // strips of 8 columns: narrow products other than multiples of 8 stay on XNNPACK.)
    if (useSimdGemm && (N % 8 === 0 || N > 16)) {
      const simd = simdKernels(backend);
      const dims = { batch, batchA, batchB, M, K, N, transposeA, transposeB };
      if (simd && batchB === 1 && (batchA === 1 || !transposeA)) return gemmProduct(simd, backend, a, b, dims, outShape);
      if (simd) return gemmItems(simd, backend, a, b, dims, outShape, broadcastIndex(outerOut, outerA), broadcastIndex(outerOut, outerB));
    }
    // A plain 2-D product goes to XNNPACK as it is unless its right operand's data was packed under another shape.
    if (alreadyFast && packedAs(b.dataId, K, N)) return stockFunc(args);
    if (!alreadyFast && M * K * N < SMALL_PRODUCT_MACS) return stockFunc(args);

    // Bring both operands to row-major, non-transposed [batch, rows, cols].
    const temporaries: TensorInfo[] = [];
    const rowMajor = (x: TensorInfo, n: number, rows: number, cols: number, transposed: boolean): TensorInfo => {
      if (!transposed) return { dataId: x.dataId, shape: [n, rows, cols], dtype: x.dtype };
      const view: TensorInfo = { dataId: x.dataId, shape: [n, cols, rows], dtype: x.dtype };
      const t = transposeFunc({ inputs: { x: view }, backend, attrs: { perm: [0, 2, 1] } });
      temporaries.push(t);
      return { dataId: t.dataId, shape: [n, rows, cols], dtype: t.dtype };
    };
    try {
      const a3 = rowMajor(a, batchA, M, K, transposeA);
      const b3 = rowMajor(b, batchB, K, N, transposeB);

      if (batchB === 1 && batchA === batch) {
        // One 2-D product: the left batch folds into rows. The right operand is always a tensor of our own: XNNPACK
        // caches its packing by tensor id, not shape, so the caller's data must not be packed under a view that
        // another product could meet under a different shape (see wasm_sum.ts).
        let right = b3;
        if (!transposeB && !packedAs(b3.dataId, K, N)) {
          right = backend.makeOutput([1, K, N], 'float32');
          temporaries.push(right);
          float32FromHeap(backend, right).set(float32FromHeap(backend, b3));
        }
        const out = stockFunc({
          inputs: { a: { dataId: a3.dataId, shape: [1, batchA * M, K], dtype: 'float32' }, b: right },
          backend,
          attrs: { transposeA: false, transposeB: false },
        });
        return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
      }

      const out = backend.makeOutput(outShape, 'float32');
      const aIndex = broadcastIndex(outerOut, outerA);
      const bIndex = broadcastIndex(outerOut, outerB);
      // XNNPACK caches the packed right operand by tensor id, so each right item gets a fresh tensor (a reused
      // scratch tensor with new contents would be multiplied with stale packed weights).
      let aItem: TensorInfo | undefined;
      let bItem: TensorInfo | undefined;
      let lastA = -1;
      let lastB = -1;
      try {
        for (let i = 0; i < batch; i++) {
          const ia = aIndex(i);
          const ib = bIndex(i);
          // Views are taken afresh after every allocation: a growing wasm heap detaches old ones.
          if (ia !== lastA) {
            if (aItem) backend.disposeData(aItem.dataId);
            aItem = backend.makeOutput([1, M, K], 'float32');
            float32FromHeap(backend, aItem).set(float32FromHeap(backend, a3).subarray(ia * M * K, (ia + 1) * M * K));
            lastA = ia;
          }
          if (ib !== lastB) {
            if (bItem) backend.disposeData(bItem.dataId);
            bItem = backend.makeOutput([1, K, N], 'float32');
            float32FromHeap(backend, bItem).set(float32FromHeap(backend, b3).subarray(ib * K * N, (ib + 1) * K * N));
            lastB = ib;
          }
          const product = stockFunc({ inputs: { a: aItem!, b: bItem! }, backend, attrs: { transposeA: false, transposeB: false } });
          float32FromHeap(backend, out).set(float32FromHeap(backend, product), i * M * N);
          backend.disposeData(product.dataId);
        }
      } finally {
        if (aItem) backend.disposeData(aItem.dataId);
        if (bItem) backend.disposeData(bItem.dataId);
      }
      return out;
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };

  unregisterKernel('BatchMatMul', 'wasm');
  stockConfig = stock;
  installed = kernelFunc as unknown as KernelFunc;
  const config: KernelConfig = { ...stock, kernelFunc: installed };
  registerKernel(config);
}

/**
 * The `[K, N]` shape under which each caller tensor's data was first packed as a right operand (keyed by dataId).
 * Tensors are immutable, so a product that meets the same data under the same shape may use XNNPACK's cached
 * packing as it is; the same data under another shape must not (it gets a fresh copy).
 */
const packedShapes = new WeakMap<object, string>();

/** Whether `dataId` may be multiplied as a right operand `[K, N]` directly (first use, or same shape as before). */
function packedAs(dataId: object, K: number, N: number): boolean {
  const shape = `${K},${N}`;
  const seen = packedShapes.get(dataId);
  if (seen === undefined) packedShapes.set(dataId, shape);
  return seen === undefined || seen === shape;
}

/**
 * Per-item products of at most this many multiply-adds use the SIMD kernels where they can run. Measured on
 * attention's `[1024, 1, L, 32]` products (Q·Kᵀ and P·V): SIMD 19.6 ms against XNNPACK 30.5 ms at L = 48, 25.6
 * against 30.8 at L = 56 (100,352 MACs), 36.1 against 32.8 at L = 64 (131,072 MACs).
 * @internal
 */
export const SIMD_PRODUCT_MACS = 7 << 14;
let simdProductMacs = SIMD_PRODUCT_MACS;

/** Sets the SIMD threshold (0 turns the SIMD path off), for A/B benchmarks and tests. @internal */
export function setSimdProductMacs(macs: number): void {
  simdProductMacs = macs;
}

interface ProductDims {
  batch: number;
  batchA: number;
  batchB: number;
  M: number;
  K: number;
  N: number;
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * A batch of small products by the SIMD kernels of `simd/kernels.wat`, straight from the operands on the heap:
 * the dot form when `B` is transposed and `K` a multiple of 4 (`Q·Kᵀ`), the axpy form when `B` is not and `N` is
 * (`P·V`, and `Pᵀ·dO` with a transposed `A`). `undefined` when neither applies.
 */
function smallProducts(
  simd: SimdKernels,
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  d: ProductDims,
  outShape: number[],
): TensorInfo | undefined {
  const { batch, batchA, batchB, M, K, N, transposeA, transposeB } = d;
  const dot = transposeB && !transposeA && K % 4 === 0;
  const axpy = !transposeB && N % 4 === 0;
  if (!dot && !axpy) return undefined;
  const out = backend.makeOutput(outShape, 'float32');
  // Offsets are read after the allocation (which may grow the heap).
  const at = (t: TensorInfo): number => float32FromHeap(backend, t).byteOffset;
  const [pa, pb, po] = [at(a), at(b), at(out)];
  const sa = batchA === 1 ? 0 : M * K * 4;
  const sb = batchB === 1 ? 0 : K * N * 4;
  if (dot) simd.bmm_dot(pa, pb, po, batch, M, N, K / 4, sa, sb, M * N * 4);
  else simd.bmm_axpy(pa, pb, po, batch, M, N / 4, K, transposeA ? 4 : K * 4, transposeA ? M * 4 : 4, sa, sb, M * N * 4);
  return out;
}

let useSimdGemm = true;

/** Floats of scratch memory the GEMM packs its operands into. */
function gemmScratchSize(N: number, K: number): number {
  return (Math.ceil(N / 8) * 8 + 4) * K;
}

/** Turns the SIMD GEMM for 2-D products on or off (off: XNNPACK), for A/B benchmarks and tests. @internal */
export function setSimdGemm(enabled: boolean): void {
  useSimdGemm = enabled;
}

/**
 * One 2-D product `[M', K]·[K, N]` (`M' = batchA · M`; either operand possibly transposed, as strides) by the
 * packed SIMD GEMM of `simd/kernels.wat`, which measures 21-30 GMAC/s on the NER model's shapes against XNNPACK's
 * 14-23 through tfjs (XNNPACK needs transposed operands copied, and packs a right operand that changes every step,
 * such as a weight gradient's `dy`, on every call). The result is bit-for-bit XNNPACK's: both add over k in order.
 */
function gemmProduct(
  simd: SimdKernels,
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  d: ProductDims,
  outShape: number[],
): TensorInfo {
  const rows = d.batchA * d.M;
  return gemmItems(
    simd,
    backend,
    a,
    b,
    { ...d, batch: 1, batchA: 1, M: rows },
    outShape,
    () => 0,
    () => 0,
  );
}

/** A batch of products by the SIMD GEMM, one call per item (operands indexed by broadcasting `aIndex`, `bIndex`). */
function gemmItems(
  simd: SimdKernels,
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  d: ProductDims,
  outShape: number[],
  aIndex: (i: number) => number,
  bIndex: (i: number) => number,
): TensorInfo {
  const { batch, M, K, N, transposeA, transposeB } = d;
  const out = backend.makeOutput(outShape, 'float32');
  const scratch = backend.makeOutput([gemmScratchSize(N, K)], 'float32');
  try {
    const at = (t: TensorInfo): number => float32FromHeap(backend, t).byteOffset;
    const [pa, pb, po, ps] = [at(a), at(b), at(out), at(scratch)];
    for (let i = 0; i < batch; i++) {
      simd.gemm(
        pa + aIndex(i) * M * K * 4,
        pb + bIndex(i) * K * N * 4,
        po + i * M * N * 4,
        M,
        N,
        K,
        transposeA ? 1 : K,
        transposeA ? M : 1,
        transposeB ? 1 : N,
        transposeB ? K : 1,
        ps,
      );
    }
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

/** Maps a flat index over the broadcast batch shape `out` to the flat index over an operand's batch shape `own`. */
function broadcastIndex(out: readonly number[], own: readonly number[]): (i: number) => number {
  const size = util.sizeFromShape([...own]);
  if (size === 1) return () => 0;
  if (own.length === out.length && own.every((d, k) => d === out[k])) return (i) => i;
  const padded = [...Array(out.length - own.length).fill(1), ...own] as number[];
  return (i) => {
    let rest = i;
    let index = 0;
    let stride = 1;
    for (let k = out.length - 1; k >= 0; k--) {
      const coord = rest % out[k]!;
      rest = Math.floor(rest / out[k]!);
      if (padded[k] !== 1) index += coord * stride;
      stride *= padded[k]!;
    }
    return index;
  };
}

/**
 * Switches between this module's kernel (`true`) and tfjs's stock wasm `BatchMatMul` (`false`), for A/B
 * benchmarks. Takes effect for the next `matMul`.
 * @public
 */
export function useFastWasmBatchMatMul(enabled: boolean): void {
  if (!installed || !stockConfig) throw new Error('useFastWasmBatchMatMul: the fast wasm BatchMatMul was never installed');
  unregisterKernel('BatchMatMul', 'wasm');
  registerKernel(enabled ? { ...stockConfig, kernelFunc: installed } : stockConfig);
}
