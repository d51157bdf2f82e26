import { tf } from '../../src/backend/tf.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey, randomBits } from '../../src/rng/key.js';

/** Options of {@link expectGradientsMatchFiniteDifferences}. */
export interface GradCheckOptions {
  /** Step of the central difference (default 1e-2, suited to float32). */
  eps?: number;
  /** Absolute tolerance (default 2e-3). */
  atol?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
  /** Coordinates probed per tensor (default 12, chosen by a fixed seed). */
  probes?: number;
}

/**
 * Checks the gradients tfjs computes for the scalar function `f` at `xs` against central finite differences on a
 * fixed, seeded sample of coordinates of every input. `f` must be deterministic.
 */
export function expectGradientsMatchFiniteDifferences(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], options: GradCheckOptions = {}): void {
  const { eps = 1e-2, atol = 2e-3, rtol = 2e-2, probes = 12 } = options;
  const grads = tf.tidy(() => tf.grads((...args: Tensor[]) => f(...args).sum())(xs));
  const evalAt = (k: number, data: Float32Array): number =>
    tf.tidy(() => {
      const args = xs.map((x, i) => (i === k ? tf.tensor(data, x.shape, 'float32') : x));
      return f(...args)
        .sum()
        .dataSync()[0]!;
    });
  xs.forEach((x, k) => {
    const base = x.dataSync() as Float32Array;
    const analytic = grads[k]!.dataSync();
    const bits = randomBits(makeKey(1000 + k), probes);
    const coords = new Set(Array.from(bits, (b) => b % base.length));
    for (const c of coords) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[c] = plus[c]! + eps;
      minus[c] = minus[c]! - eps;
      const numeric = (evalAt(k, plus) - evalAt(k, minus)) / (2 * eps);
      const got = analytic[c]!;
      const tolerance = atol + rtol * Math.abs(numeric);
      if (!(Math.abs(got - numeric) <= tolerance)) {
        throw new Error(
          `gradient of input ${k} at flat index ${c}: analytic ${got}, finite difference ${numeric} (tolerance ${tolerance})`,
        );
      }
    }
  });
  tf.dispose(grads);
}

/** The values of a tensor as a plain nested array. */
export function values(t: Tensor): unknown {
  return t.arraySync();
}

/** Expects two tensors to have the same shape and values within `tol`. */
export function expectClose(actual: Tensor, expected: Tensor | number[] | number[][] | number[][][] | number, tol = 1e-5): void {
  const e = expected instanceof tf.Tensor ? expected : tf.tensor(expected);
  expect(actual.shape).toEqual(e.shape);
  const a = actual.dataSync();
  const b = e.dataSync();
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= tol)) {
      throw new Error(`element ${i}: ${a[i]} differs from expected ${b[i]} by more than ${tol}`);
    }
  }
  if (!(expected instanceof tf.Tensor)) e.dispose();
}
