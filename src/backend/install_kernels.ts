/**
 * Installs trax-ts's replacements of tfjs-core 4.22's kernels (`replacements/`): gaps closed and slow wasm kernels
 * replaced. Kept in one list so a reader can see every deviation from stock tfjs; each is tested against the cpu
 * backend or a reference (test/backend). The fused kernels of trax-ts's own (`fused/`) register themselves under
 * their own names and replace nothing.
 *
 * 1. `UnsortedSegmentSum` on wasm, which has none (`replacements/unsorted_segment_sum.ts`): tfjs's gradient of
 *    `gather` calls it, so `tf.grad` through any `tf.gather` failed on wasm with "Kernel 'UnsortedSegmentSum' not
 *    registered for backend 'wasm'". (The `Embedding` layer does not rely on it: its own gradient uses
 *    `scatterND`.)
 * 2. The gradient of a broadcasting `BatchMatMul`, on every backend (`replacements/batch_matmul_gradient.ts`).
 * 3. Speed: `Sum` over leading axes on wasm, in one SIMD pass or as a product with ones (`replacements/wasm_sum.ts`).
 * 4. Speed: the wasm `BatchMatMul` on trax-ts's SIMD GEMM (`replacements/fast_batch_matmul.ts`).
 * 5. Speed: the wasm `GatherV2` of whole rows (embeddings) on the `GatherNd` kernel (`replacements/fast_gather.ts`).
 * 6. Speed: the wasm `Identity` shares its input's data instead of copying it (`replacements/wasm_identity.ts`).
 */
import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import { fixBatchMatMulGradient } from './replacements/batch_matmul_gradient.js';
import { registerFastWasmBatchMatMul } from './replacements/fast_batch_matmul.js';
import { registerFastWasmGather } from './replacements/fast_gather.js';
import { unsortedSegmentSumWasmKernel } from './replacements/unsorted_segment_sum.js';
import { shareWasmIdentity } from './replacements/wasm_identity.js';
import { replaceWasmSum } from './replacements/wasm_sum.js';

/**
 * Installs trax-ts's kernel replacements and fixes into tfjs's global kernel and gradient registries, each once (a
 * later call installs only those whose backend has been loaded since): the six listed at the top of
 * `install_kernels.ts`. They affect every user of the same tfjs instance, which is why importing trax-ts does not
 * install them: `useBackend` and a layer's first `init` do, and code that drives tfjs itself may call this
 * directly.
 * @public
 */
export function installKernelFixes(): void {
  // Each installs itself once, when its backend's kernels are registered (wasm's after `useBackend('wasm')`).
  // A missing kernel is added only while tfjs has none (a later tfjs may close the gap itself).
  const missing = unsortedSegmentSumWasmKernel;
  if (!getKernel(missing.kernelName, missing.backendName)) registerKernel(missing);
  fixBatchMatMulGradient();
  replaceWasmSum();
  registerFastWasmBatchMatMul();
  registerFastWasmGather();
  shareWasmIdentity();
}
