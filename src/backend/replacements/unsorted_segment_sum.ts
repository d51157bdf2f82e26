/**
 * `UnsortedSegmentSum` for the wasm backend, which has none: tfjs's gradient of `gather` needs it, so without it
 * `tf.grad` through any `tf.gather` (an Embedding) fails on wasm. An exact O(N·D) scatter-add in JavaScript over
 * the wasm heap, with TensorFlow's semantics. Kept in its own module so that a benchmark peer can take this one
 * fix alone.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../wasm_backend.js';

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Sums rows of `x` into `numSegments` segments by id: the reference semantics of TensorFlow's
 * `UnsortedSegmentSum`, on plain arrays. Exported for tests.
 * @internal
 */
export function segmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  rowSize: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    if (id < 0) continue;
    if (id >= numSegments) throw new RangeError(`UnsortedSegmentSum: segment id ${id} at ${r} is not below numSegments ${numSegments}`);
    const src = r * rowSize;
    const dst = id * rowSize;
    for (let k = 0; k < rowSize; k++) out[dst + k] = out[dst + k]! + x[src + k]!;
  }
}

const unsortedSegmentSumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const wasm = backend as unknown as WasmBackendLike;
  const idsRank = segmentIds.shape.length;
  const leading = x.shape.slice(0, idsRank);
  if (leading.join(',') !== segmentIds.shape.join(',')) {
    throw new RangeError(`UnsortedSegmentSum: segmentIds of shape [${segmentIds.shape}] are not a prefix of x's shape [${x.shape}]`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new TypeError(`UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  const rowShape = x.shape.slice(idsRank);
  const ids = wasm.readSync(segmentIds.dataId) as ArrayLike<number>; // numbers: segment ids are int32
  const values = wasm.typedArrayFromHeap(x);
  const out = x.dtype === 'float32' ? new Float32Array(numSegments * sizeOf(rowShape)) : new Int32Array(numSegments * sizeOf(rowShape));
  segmentSum(values, ids, sizeOf(rowShape), numSegments, out);
  // makeOutput may grow the heap (detaching `values`), so it comes after the last read.
  return wasm.makeOutput([numSegments, ...rowShape], x.dtype, undefined, out);
};

/** The kernel's registration record, for `tf.registerKernel`. @internal */
export const unsortedSegmentSumWasmKernel: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm,
};
