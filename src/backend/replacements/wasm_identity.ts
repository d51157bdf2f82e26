/**
 * Speed: the wasm `Identity` kernel copies its input; tfjs runs it for every tensor a gradient saves (about 5 ms of
 * copies in a small tagger's training step). tfjs tensors are immutable, so, as the cpu backend does, the output
 * shares the input's data (one more reference) instead.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../wasm_backend.js';
import { replaceWasmKernel } from './replace_wasm_kernel.js';

/** Replaces the wasm `Identity` kernel by one that shares the input's data, as the cpu backend's does. */
export function shareWasmIdentity(): void {
  replaceWasmKernel('Identity', (stockFunc) => (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return stockFunc(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
