/**
 * wasmBackendInfo in Node: the SIMD binary (tfjs-backend-wasm has no threads in Node), 1 thread, trax-ts's SIMD
 * kernels over its memory; it describes the wasm backend while another backend is active too. (Threads, the
 * threaded binary and its shared memory: test/browser/demo_threads.test.ts, in Chromium.)
 */
import { useBackend, wasmBackendInfo } from '../../src/backend/backends.js';

test('in Node the wasm backend runs its SIMD binary on 1 thread, with the SIMD kernels', async () => {
  await useBackend('wasm');
  const info = { binary: 'tfjs-backend-wasm-simd.wasm', threads: 1, simdKernels: true };
  expect(await wasmBackendInfo()).toEqual(info);
  await useBackend('cpu');
  expect(await wasmBackendInfo()).toEqual(info);
  await useBackend('wasm');
});
