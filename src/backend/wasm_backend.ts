/**
 * The one typing of tfjs-backend-wasm's backend object (`BackendWasm`) for trax-ts's kernels: the package's typings
 * do not export the class, so the kernels cast the backend they are given to this interface. It names only the
 * members they use, with the types of tfjs-backend-wasm 4.22's declarations.
 */
import type { backend_util, DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's `BackendWasm` that trax-ts's kernels use. @internal */
export interface WasmBackendLike {
  /**
   * The backend's Emscripten module and the heap (a `WebAssembly.Memory`) tensors live in: single-threaded binaries
   * export it (`asm.memory`), the threaded one holds it (`wasmMemory`).
   */
  wasm: { asm?: { memory?: unknown }; wasmMemory?: unknown };
  /** Allocates a tensor on the heap (filled with `values` when given) and returns its info. */
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: backend_util.BackendValues): TensorInfo;
  /** A view of a tensor's data on the heap (no copy; detached when the heap grows). */
  typedArrayFromHeap(info: TensorInfo): backend_util.TypedArray;
  /** A tensor's values. */
  readSync(dataId: object): backend_util.BackendValues;
  /** Releases a tensor's data. */
  disposeData(dataId: object): boolean;
  /** Adds a reference to a tensor's data (an output that shares it). */
  incRef(dataId: object): void;
}

/** A float32 tensor's data on the heap, as a view (the kernels call it on float32 tensors only). @internal */
export function float32FromHeap(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new TypeError(`expected a float32 tensor on the wasm heap, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}
