import { tf } from './tf.js';
import { installKernelFixes } from './install_kernels.js';
import { isShared, simdKernels, wasmMemory } from './simd/simd_kernels.js';

export { installKernelFixes };

/** A tfjs backend trax-ts knows how to run on. @public */
export type BackendName = 'wasm' | 'webgl' | 'cpu';

const KNOWN: readonly BackendName[] = ['wasm', 'webgl', 'cpu'];

/**
 * Switches the active tfjs backend, at any time, and installs trax-ts's kernel replacements
 * ({@link installKernelFixes}) if they are not installed yet.
 *
 * Tensors and layer weights created before the switch keep working after it: tfjs moves their data to the new
 * backend on first use. Throws (instead of silently staying on the old backend) when the backend cannot start,
 * for example `webgl` in Node.
 *
 * @example
 * ```ts
 * await useBackend('wasm');
 * ```
 * @public
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (!KNOWN.includes(name)) {
    throw new Error(`useBackend: unknown backend '${String(name)}'; expected one of ${KNOWN.join(', ')}`);
  }
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  if (name === 'wasm') await loadWasmBackend();
  installKernelFixes();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`useBackend: the '${name}' backend failed to initialise on this platform`);
  await tf.ready();
}

/** The wasm backend's binaries, by file name (tfjs-backend-wasm 4.x). @public */
export type WasmBinaryName = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

let wasmPaths: [prefixOrFileMap: string | Partial<Record<WasmBinaryName, string>>, usePlatformFetch?: boolean] | undefined;

/**
 * Where the wasm backend fetches its `.wasm` binaries (tfjs-backend-wasm's `setWasmPaths`, with the same
 * arguments): a folder URL ending in `/`, or a map from file name to URL; `usePlatformFetch` fetches them with
 * the platform's `fetch` instead of the backend's own. Needed in a page whose bundler does not
 * serve the binaries beside the script; it takes effect when `useBackend('wasm')` first loads the backend, so
 * call it before that.
 *
 * @example
 * ```ts
 * import { setWasmPaths } from 'trax-ts';
 * setWasmPaths('/assets/tfjs-wasm/');
 * ```
 * @public
 */
export function setWasmPaths(prefixOrFileMap: string | Partial<Record<WasmBinaryName, string>>, usePlatformFetch = false): void {
  wasmPaths = [prefixOrFileMap, usePlatformFetch];
}

/** Imports tfjs-backend-wasm (which registers the wasm backend) and hands it the paths of `setWasmPaths`. */
async function loadWasmBackend(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (wasmPaths) wasm.setWasmPaths(wasmPaths[0], wasmPaths[1]);
}

/** How the wasm backend runs: see {@link wasmBackendInfo}. @public */
export interface WasmBackendInfo {
  /**
   * The binary it runs: the threaded SIMD one where threads are possible (a browser page that is cross-origin
   * isolated, so that `SharedArrayBuffer` exists; never Node), else the SIMD one, else the plain one.
   */
  readonly binary: WasmBinaryName;
  /**
   * The threads its XNNPACK kernels (products, convolutions) run on: tfjs-backend-wasm's `getThreadsCount()`. The
   * threaded binary takes half the logical cores (`navigator.hardwareConcurrency / 2`, the rest assumed to be
   * hyper-threads), at least 1 and at most 8: 1 on a 2-core machine. The other binaries run 1.
   */
  readonly threads: number;
  /** Whether trax-ts's SIMD kernels (its GEMM, fused optimizer and normalisation kernels) run over its memory. */
  readonly simdKernels: boolean;
}

/**
 * How the wasm backend runs (its binary, its threads, whether trax-ts's SIMD kernels run on it), or undefined
 * before it is initialised (`useBackend('wasm')`). A page shows it to say what the backend uses.
 *
 * @example
 * ```ts
 * await useBackend('wasm');
 * const info = await wasmBackendInfo();
 * console.log(`${info?.binary}, ${info?.threads} thread(s)`);
 * ```
 * @public
 */
export async function wasmBackendInfo(): Promise<WasmBackendInfo | undefined> {
  // The initialised backends (tf.findBackend would start initialising a registered one).
  const backend = tf.engine().registry['wasm'];
  if (!backend) return undefined;
  const memory = wasmMemory(backend);
  if (!memory) return undefined;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const binary: WasmBinaryName = isShared(memory)
    ? 'tfjs-backend-wasm-threaded-simd.wasm'
    : simd
      ? 'tfjs-backend-wasm-simd.wasm'
      : 'tfjs-backend-wasm.wasm';
  return { binary, threads: wasm.getThreadsCount(), simdKernels: simdKernels(backend) !== undefined };
}

/** The name of the active backend. @public */
export function currentBackend(): string {
  return tf.getBackend();
}

/**
 * Waits until tfjs's active backend (the one `useBackend` chose, else tfjs's default: cpu, the one backend
 * importing trax-ts registers) is initialised, installs trax-ts's kernel replacements, and returns the backend's name. Loaders call it before
 * they create tensors, so that loading works without a prior `useBackend`.
 *
 * @example
 * ```ts
 * import { readyBackend } from 'trax-ts';
 * console.log(`running on ${await readyBackend()}`);
 * ```
 * @public
 */
export async function readyBackend(): Promise<string> {
  installKernelFixes();
  await tf.ready();
  return tf.getBackend();
}
