/**
 * Direct access to a tensor's float32 values on the two backends whose data lives in this process: the wasm heap
 * (a view, no copy) and the cpu backend's typed arrays. Kernels written as loops over these arrays (the fused
 * optimizer kernels) use it; on other backends they fall back to ordinary tfjs ops.
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { getKernel, type KernelFunc, registerKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import { float32FromHeap, type WasmBackendLike } from '../wasm_backend.js';

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** The backends host kernels run on. @internal */
export const HOST_BACKENDS = ['wasm', 'cpu'] as const;

/** A backend host kernels run on. @internal */
export type HostBackendName = (typeof HOST_BACKENDS)[number];

/** Whether `name` is one of {@link HOST_BACKENDS}. @internal */
export function isHostBackend(name: string): name is HostBackendName {
  return (HOST_BACKENDS as readonly string[]).includes(name);
}

/**
 * Allocates float32 outputs of the given shapes, then hands the inputs' and outputs' values to `body` (outputs
 * are allocated before any view is taken: growing the wasm heap detaches earlier views). Returns the outputs.
 * @internal
 */
export function withHostArrays(
  backendName: HostBackendName,
  backend: object,
  inputs: readonly TensorInfo[],
  outputShapes: readonly number[][],
  body: (inputs: Float32Array[], outputs: Float32Array[]) => void,
): TensorInfo[] {
  if (backendName === 'wasm') {
    const wasm = backend as unknown as WasmBackendLike;
    const outputs = outputShapes.map((shape) => wasm.makeOutput([...shape], 'float32'));
    body(
      inputs.map((t) => float32FromHeap(wasm, t)),
      outputs.map((t) => float32FromHeap(wasm, t)),
    );
    return outputs;
  }
  const cpu = backend as unknown as CpuBackend;
  const values = outputShapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
  body(
    inputs.map((t) => cpu.data.get(t.dataId).values),
    values,
  );
  return values.map((v, i) => cpu.makeTensorInfo([...outputShapes[i]!], 'float32', v));
}

const registeredKernels = new Set<string>();

/**
 * Registers the kernel `name` on every host backend (once; a backend that already has it keeps its own), its
 * function made by `make` for each backend.
 * @internal
 */
export function registerHostKernel(name: string, make: (backendName: HostBackendName) => KernelFunc): void {
  if (registeredKernels.has(name)) return;
  registeredKernels.add(name);
  for (const backendName of HOST_BACKENDS) {
    if (!getKernel(name, backendName)) registerKernel({ kernelName: name, backendName, kernelFunc: make(backendName) });
  }
}
