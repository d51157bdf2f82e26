/**
 * The high-water mark of `tf.memory().numBytes` while a function runs, for bench/attention.ts.
 *
 * Method: `numBytes` is the engine's count of live tensor bytes (`engine.state.numBytes`). Every kernel (also a
 * `tf.customGrad` forward pass and every op of a backward pass) runs through `engine.runKernelFunc`, tensors made
 * from host data through `engine.makeTensor`, and disposals through `engine.disposeTensor`. The meter wraps these
 * three methods on the engine instance for the duration of the call and reads `numBytes` after each kernel or
 * creation (when its outputs exist, before anything is freed) and before each disposal. tfjs counts `numBytes`
 * per tensor, so a reshape sharing its input's data counts again (the figure can overstate real allocations), and
 * scratch memory a kernel frees before returning is not seen.
 */
import { tf } from '../../src/backend/tf.js';

interface EngineInternals {
  state: { numBytes: number };
  runKernelFunc: (...args: unknown[]) => unknown;
  makeTensor: (...args: unknown[]) => unknown;
  disposeTensor: (...args: unknown[]) => unknown;
}

/** What {@link peakTensorBytes} reports. */
export interface TensorBytesPeak<T> {
  value: T;
  /** `numBytes` just before `f` ran. */
  baselineBytes: number;
  /** The largest `numBytes` seen while `f` ran. */
  peakBytes: number;
}

/** Runs `f` and reports the high-water mark of `tf.memory().numBytes` during it (see the module notes). */
export function peakTensorBytes<T>(f: () => T): TensorBytesPeak<T> {
  const engine = tf.engine() as unknown as EngineInternals;
  const baselineBytes = engine.state.numBytes;
  let peakBytes = baselineBytes;
  const sample = (): void => {
    if (engine.state.numBytes > peakBytes) peakBytes = engine.state.numBytes;
  };
  const names = ['runKernelFunc', 'makeTensor', 'disposeTensor'] as const;
  const originals = names.map((name) => engine[name]);
  names.forEach((name, i) => {
    const original = originals[i]!;
    engine[name] = (...args: unknown[]) => {
      if (name === 'disposeTensor') sample();
      const result = original.apply(engine, args);
      sample();
      return result;
    };
  });
  try {
    const value = f();
    return { value, baselineBytes, peakBytes };
  } finally {
    names.forEach((name, i) => (engine[name] = originals[i]!));
  }
}
