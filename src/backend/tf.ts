/**
 * The one place trax-ts imports TensorFlow.js from, outside the kernels of `src/backend` (which take tfjs-core's
 * global kernel registry directly and need nothing registered here).
 *
 * tfjs-core alone registers neither gradients nor chained ops, and no backend; importing this module registers
 * the gradients, the chained ops and the cpu backend, so every other module can rely on `tf.grad`, `x.square()`
 * and a backend that works at once. The wasm and webgl backends are imported by `useBackend('wasm')` and
 * `useBackend('webgl')` (see `backends.ts`), so that importing trax-ts does not make tfjs's default backend one
 * that must be awaited. Nor does importing touch tfjs's kernels: trax-ts's kernel replacements (`replacements/`,
 * listed in `install_kernels.ts`) are installed by `installKernelFixes`, which `useBackend` and a layer's `init`
 * call.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
