import { tf } from './tf.js';
import { installKernelFixes } from './install_kernels.js';

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
