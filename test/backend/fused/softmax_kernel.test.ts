import { useBackend } from '../../../src/backend/backends.js';
import { simdKernels } from '../../../src/backend/simd/simd_kernels.js';
import {
  softmaxGradKernel,
  softmaxGradLoop,
  softmaxKernel,
  softmaxKernelsRun,
  softmaxLoop,
} from '../../../src/backend/fused/softmax_kernel.js';
import { tf } from '../../../src/backend/tf.js';
import { makeKey, normalFloats } from '../../../src/rng/key.js';

/** Softmax, log-sum-exp and the softmax gradient of each row in float64: the hand-computed reference. */
function reference(x: Float32Array, dp: Float32Array, dLse: Float32Array, n: number): { p: number[]; lse: number[]; dx: number[] } {
  const p: number[] = [];
  const lse: number[] = [];
  const dx: number[] = [];
  for (let off = 0, r = 0; off < x.length; off += n, r++) {
    const row = Array.from(x.subarray(off, off + n));
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    const pr = row.map((v) => Math.exp(v - m) / z);
    p.push(...pr);
    lse.push(m + Math.log(z));
    const dot = pr.reduce((s, v, j) => s + v * dp[off + j]!, 0);
    dx.push(...pr.map((v, j) => v * (dp[off + j]! - dot + dLse[r]!)));
  }
  return { p, lse, dx };
}

/** Relative error, absolute below `floor` (float32 rounding of values near 0, and cancellation in `dp - dot`). */
function maxError(got: ArrayLike<number>, want: ArrayLike<number>, floor = 0.01): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(floor, Math.abs(want[i]!)));
  return worst;
}

describe.each(['wasm', 'cpu'] as const)('the softmax kernels on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  test('the SIMD kernels run on wasm only', () => {
    expect(simdKernels(tf.backend()) !== undefined).toBe(backend === 'wasm');
  });

  // Row lengths around the 4-lane vectors: tails of 1-3 values, shorter rows than one vector, long rows.
  test.each([1, 2, 3, 4, 5, 7, 8, 21, 56, 130])('rows of %i: softmax, log-sum-exp and gradient match float64', (n) => {
    const rows = 37;
    const x = Float32Array.from(normalFloats(makeKey(n), rows * n), (v) => 4 * v);
    const dp = normalFloats(makeKey(n + 1), rows * n);
    const dLse = normalFloats(makeKey(n + 2), rows);
    const want = reference(x, dp, dLse, n);
    expect(softmaxKernelsRun(tf.tensor(x))).toBe(true);
    const [p, lse, dx, dxNoLse] = tf.tidy(() => {
      const [pt, lt] = softmaxKernel(tf.tensor(x, [rows, 1, n]));
      expect(pt.shape).toEqual([rows, 1, n]);
      expect(lt.shape).toEqual([rows, 1, 1]);
      const d = softmaxGradKernel(tf.tensor(dp, [rows, 1, n]), pt, tf.tensor(dLse, [rows, 1, 1]));
      const d0 = softmaxGradKernel(tf.tensor(dp, [rows, 1, n]), pt);
      return [pt, lt, d, d0].map((t) => t.dataSync());
    });
    expect(maxError(p!, want.p)).toBeLessThan(5e-6);
    expect(maxError(lse!, want.lse)).toBeLessThan(5e-6);
    expect(maxError(dx!, want.dx, 0.1)).toBeLessThan(1e-5);
    const wantNoLse = reference(x, dp, new Float32Array(rows), n).dx;
    expect(maxError(dxNoLse!, wantNoLse, 0.1)).toBeLessThan(1e-5);
  });

  test('masked scores (-1e9) get exactly 0, a wholly masked row is uniform, large scores do not overflow', () => {
    const x = Float32Array.from([
      0, -1e9, 1, -1e9, 2, -1e9 /* row 2 */, -1e9, -1e9, -1e9, -1e9, -1e9, -1e9, /* row 3 */ 1000, 999, 0, -80, -90, -200,
    ]);
    const [p, lse] = tf.tidy(() => softmaxKernel(tf.tensor(x, [3, 6])).map((t) => t.dataSync()));
    const z = 1 + Math.E + Math.E ** 2;
    expect(Array.from(p!.subarray(0, 6))).toEqual([1 / z, 0, Math.E / z, 0, Math.E ** 2 / z, 0].map(Math.fround));
    for (const v of p!.subarray(6, 12)) expect(v).toBeCloseTo(1 / 6, 6);
    expect(p![12]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(p![13]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 6);
    expect(Array.from(p!.subarray(14))).toEqual([0, 0, 0, 0]);
    expect(lse![0]).toBeCloseTo(Math.log(z), 5);
    expect(lse![2]).toBeCloseTo(1000 + Math.log(1 + Math.exp(-1)), 3);
  });

  test('the loops agree with the kernels', () => {
    const n = 9;
    const rows = 5;
    const x = normalFloats(makeKey(3), rows * n);
    const dp = normalFloats(makeKey(4), rows * n);
    const y = new Float32Array(rows * n);
    const max = new Float32Array(rows);
    const sum = new Float32Array(rows);
    softmaxLoop(x, y, max, sum);
    const dx = new Float32Array(rows * n);
    softmaxGradLoop(dp, y, undefined, dx, n);
    const [p, g] = tf.tidy(() => {
      const [pt] = softmaxKernel(tf.tensor(x, [rows, n]));
      return [pt.dataSync(), softmaxGradKernel(tf.tensor(dp, [rows, n]), pt).dataSync()];
    });
    expect(maxError(p, y)).toBeLessThan(2e-6);
    expect(maxError(g, dx, 0.1)).toBeLessThan(1e-5);
    for (let r = 0; r < rows; r++)
      expect(sum[r]).toBeCloseTo(
        Array.from(x.subarray(r * n, (r + 1) * n)).reduce((s, v) => s + Math.exp(v - max[r]!), 0),
        5,
      );
  });

  test('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor(normalFloats(makeKey(9), 24), [2, 3, 4]);
    const [p, lse] = softmaxKernel(x);
    const dx = softmaxGradKernel(x, p, lse);
    tf.dispose([x, p, lse, dx]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
