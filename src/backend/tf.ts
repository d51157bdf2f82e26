/**
 * The one place trax-ts imports TensorFlow.js from.
 *
 * tfjs-core alone registers neither gradients nor chained ops, and no backend; importing this module registers
 * all of them (cpu, wasm and webgl), so every other module can rely on `tf.grad`, `x.square()` and `useBackend`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerKernelFixes } from './kernel_fixes.js';

registerKernelFixes();

export { tf };
