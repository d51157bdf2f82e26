/**
 * The hand-written WebAssembly SIMD kernels (kernels.wat), instantiated over the wasm backend's own memory so they
 * read and write tensors where they lie, with no copies. tfjs-backend-wasm 4.22 runs XNNPACK for products but
 * plain scalar loops for most elementwise kernels; a whole optimizer step written as one SIMD pass is several
 * times faster than the dozen tfjs kernels it replaces.
 *
 * Available wherever the engine supports SIMD: over the ordinary memory of the wasm backend's single-threaded
 * binaries (Node, pages that are not cross-origin isolated) and over the shared memory of its threaded binary
 * (cross-origin isolated pages), each with its own build of the module. The kernels run on the calling thread,
 * between tfjs's kernels (whose XNNPACK threads are idle then). Elsewhere `simdKernels` returns `undefined` and
 * callers take their portable path.
 *
 */
import type { WasmBackendLike } from '../wasm_backend.js';
import { SIMD_KERNELS_SHARED_WASM_BASE64, SIMD_KERNELS_WASM_BASE64 } from './kernels_wasm.js';

/** The exports of kernels.wat. Pointers are byte offsets in the backend's memory; `n4` counts groups of 4 floats. @internal */
export interface SimdKernels {
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n4: number,
    b1: number,
    b2: number,
    eps: number,
    step: number,
    inv2: number,
    decay: number,
  ): void;
  moving_average(avg: number, x: number, out: number, n4: number, d: number, e: number): void;
  sum_squares(x: number, n4: number): number;
  sum_rows(x: number, rows: number, c4: number, out: number): void;
  bmm_dot(a: number, b: number, out: number, batch: number, M: number, N: number, k4: number, sa: number, sb: number, so: number): void;
  layer_norm(x: number, scale: number, bias: number, y: number, xhat: number, rstd: number, rows: number, c4: number, eps: number): void;
  layer_norm_grad(
    dy: number,
    xhat: number,
    rstd: number,
    scale: number,
    dx: number,
    dScale: number,
    dBias: number,
    rows: number,
    c4: number,
  ): void;
  softmax_rows(x: number, y: number, maxOut: number, sumOut: number, rows: number, n: number): void;
  softmax_grad(dp: number, p: number, dLse: number, dx: number, rows: number, n: number): void;
  gemm(
    a: number,
    b: number,
    c: number,
    M: number,
    N: number,
    K: number,
    sam: number,
    sak: number,
    sbk: number,
    sbn: number,
    scratch: number,
  ): void;
  lstm_cell(
    xw: number,
    zh: number,
    cPrev: number,
    acts: number,
    c: number,
    h: number,
    rows: number,
    n4: number,
    xwStride: number,
    zhStride: number,
    cStride: number,
    hasPrev: number,
  ): void;
  lstm_cell_grad(
    dh: number,
    dhRec: number,
    acts: number,
    c: number,
    cPrev: number,
    dcCarry: number,
    dz: number,
    rows: number,
    n4: number,
    actsStride: number,
    cStride: number,
    recStride: number,
    hasPrev: number,
    hasNext: number,
  ): void;
  bmm_axpy(
    a: number,
    b: number,
    out: number,
    batch: number,
    M: number,
    n4: number,
    K: number,
    amStride: number,
    akStride: number,
    sa: number,
    sb: number,
    so: number,
  ): void;
}

const instances = new WeakMap<object, SimdKernels | null>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The wasm backend's memory, whichever binary it loaded; undefined for another backend. @internal */
export function wasmMemory(backend: object): WebAssembly.Memory | undefined {
  const wasm = (backend as unknown as Partial<WasmBackendLike>).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** Whether `memory` is shared between threads (the threaded binary's). @internal */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The SIMD kernels over `backend`'s memory, or `undefined` where they cannot run (see above). @internal */
export function simdKernels(backend: object): SimdKernels | undefined {
  const memory = wasmMemory(backend);
  if (!memory) return undefined;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    kernels = null;
    const bytes = decode(isShared(memory) ? SIMD_KERNELS_SHARED_WASM_BASE64 : SIMD_KERNELS_WASM_BASE64);
    if (WebAssembly.validate(bytes)) {
      // About 3 KB: small enough for synchronous compilation, even on a browser's main thread.
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    }
    instances.set(memory, kernels);
  }
  return kernels ?? undefined;
}
