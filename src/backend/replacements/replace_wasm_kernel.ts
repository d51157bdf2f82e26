/**
 * How a replacement takes the place of a stock wasm kernel in tfjs's global kernel registry, once.
 */
import { getKernel, type KernelFunc, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';

const replacements = new Set<KernelFunc>();

/**
 * Replaces the wasm kernel `name` by `wrap(stock kernel)`, once (a second call keeps the replacement); does
 * nothing while the wasm backend's kernels are not registered.
 */
export function replaceWasmKernel(name: string, wrap: (stockFunc: KernelFunc) => KernelFunc): void {
  const stock = getKernel(name, 'wasm');
  if (!stock || replacements.has(stock.kernelFunc)) return;
  const kernelFunc = wrap(stock.kernelFunc);
  replacements.add(kernelFunc);
  unregisterKernel(name, 'wasm');
  registerKernel({ ...stock, kernelFunc });
}
