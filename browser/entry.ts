/**
 * The browser build's entry point: the whole public API of trax-ts, with tfjs-core, its gradients and chained
 * ops, and the cpu, wasm and webgl backends bundled in (webgl as a chunk loaded by `useBackend('webgl')`).
 *
 * The wasm backend fetches its `.wasm` binaries at run time; the build copies them beside this bundle, and this
 * module points the backend at them relative to its own URL. That must happen before the wasm backend first
 * initialises, which is why it runs here, on import, before any caller can call `useBackend`.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export * from '../src/index.js';

/** The folder the wasm binaries are loaded from: the folder of this bundle. */
export const wasmBinariesUrl: string = new URL('./', import.meta.url).href;

setWasmPaths(wasmBinariesUrl);
