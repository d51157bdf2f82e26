/**
 * The LSTM recurrence kernels (src/backend/lstm_kernel.ts) on wasm (SIMD when the width is a multiple of 4, loops on
 * the heap otherwise) and cpu: the forward kernel against a float64 recurrence, the backward kernel against tfjs's
 * automatic gradient of the same recurrence composed of tfjs ops, and the SIMD sigmoid and tanh at saturation.
 */
import { useBackend } from '../../../src/backend/backends.js';
import { lstmBackwardKernel, lstmForwardKernel, lstmKernelsRun } from '../../../src/backend/fused/lstm_kernel.js';
import { tf } from '../../../src/backend/tf.js';
import type { Tensor } from '../../../src/core/types.js';
import { makeKey, normalFloats } from '../../../src/rng/key.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** `[h, c, acts]` of the recurrence over `xw: [B, L, 4n]` with `wh: [n, 4n]`, in float64, step by step. */
function float64Recurrence(xw: Float32Array, wh: Float32Array, B: number, L: number, n: number): [number[], number[], number[]] {
  const h = new Array<number>(B * L * n).fill(0);
  const c = new Array<number>(B * L * n).fill(0);
  const acts = new Array<number>(B * L * 4 * n).fill(0);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const row = b * L + t;
      for (let k = 0; k < n; k++) {
        const pre = [0, 1, 2, 3].map((g) => {
          let z = xw[row * 4 * n + g * n + k]!;
          if (t > 0) for (let m = 0; m < n; m++) z += h[(row - 1) * n + m]! * wh[m * 4 * n + g * n + k]!;
          return z;
        });
        const [i, j, f, o] = [sigmoid(pre[0]!), Math.tanh(pre[1]!), sigmoid(pre[2]!), sigmoid(pre[3]!)];
        [i, j, f, o].forEach((v, g) => (acts[row * 4 * n + g * n + k] = v));
        c[row * n + k] = i * j + (t > 0 ? f * c[(row - 1) * n + k]! : 0);
        h[row * n + k] = Math.tanh(c[row * n + k]!) * o;
      }
    }
  }
  return [h, c, acts];
}

/** The outputs of the same recurrence composed of tfjs ops (differentiable by tfjs). */
function opsRecurrence(xw: Tensor, wh: Tensor): Tensor {
  const [B, L, four] = xw.shape as [number, number, number];
  const n = four / 4;
  let h = tf.zeros([B, n]);
  let c = tf.zeros([B, n]);
  const outs: Tensor[] = [];
  for (let t = 0; t < L; t++) {
    const z = tf.add(tf.reshape(tf.slice(xw, [0, t, 0], [B, 1, four]), [B, four]), tf.matMul(h, wh));
    const [i, j, f, o] = tf.split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(j)));
    h = tf.mul(tf.tanh(c), tf.sigmoid(o));
    outs.push(h);
  }
  return tf.stack(outs, 1);
}

function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

const floats = (seed: number, n: number, scale: number): Float32Array =>
  Float32Array.from(normalFloats(makeKey(seed), n), (v) => v * scale);

describe.each(['wasm', 'cpu'] as const)('LSTM recurrence kernels on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  test('run on this backend', () => {
    tf.tidy(() => {
      expect(lstmKernelsRun(tf.zeros([1]))).toBe(true);
      expect(lstmKernelsRun(tf.zeros([1], 'int32'))).toBe(false);
    });
  });

  // n = 8: the SIMD path on wasm; n = 3: the loops. Pre-activations up to about +-6 (scale 2), every gate regime.
  test.each([
    [3, 4, 8],
    [2, 5, 3],
    [1, 1, 4],
  ])('forward, batch %i, length %i, %i units, matches the float64 recurrence', (B, L, n) => {
    const xw = floats(1, B * L * 4 * n, 2);
    const wh = floats(2, n * 4 * n, 0.5);
    const [h, c, acts] = tf.tidy(() =>
      lstmForwardKernel(tf.tensor3d(xw, [B, L, 4 * n]), tf.tensor2d(wh, [n, 4 * n])).map((t) => {
        expect(t.shape.slice(0, 2)).toEqual([B, L]);
        return t.dataSync();
      }),
    );
    const [wantH, wantC, wantActs] = float64Recurrence(xw, wh, B, L, n);
    expect(maxAbsDiff(h!, wantH)).toBeLessThan(2e-6);
    expect(maxAbsDiff(c!, wantC)).toBeLessThan(4e-6);
    expect(maxAbsDiff(acts!, wantActs)).toBeLessThan(2e-6);
  });

  test.each([
    [3, 4, 8],
    [2, 5, 3],
    [2, 1, 4],
  ])('backward, batch %i, length %i, %i units, matches the automatic gradient of the tfjs-ops recurrence', (B, L, n) => {
    const xwData = floats(3, B * L * 4 * n, 1.5);
    const whData = floats(4, n * 4 * n, 0.5);
    const dhData = floats(5, B * L * n, 1);
    const [got, want] = tf.tidy(() => {
      const xw = tf.tensor3d(xwData, [B, L, 4 * n]);
      const wh = tf.tensor2d(whData, [n, 4 * n]);
      const dh = tf.tensor3d(dhData, [B, L, n]);
      const [, c, acts] = lstmForwardKernel(xw, wh);
      const dz = lstmBackwardKernel(dh, acts, c, wh);
      expect(dz.shape).toEqual([B, L, 4 * n]);
      const reference = tf.grad((x: Tensor) => tf.sum(tf.mul(opsRecurrence(x, wh), dh)))(xw);
      return [dz.dataSync(), reference.dataSync()];
    });
    expect(maxAbsDiff(got, want)).toBeLessThan(2e-5);
  });

  test('hand-computed: one unit, one step of pre-activations 0, then saturated gates stay finite', () => {
    // Step 1, z = 0: i = f = o = 1/2, j = 0, so c = 0 and h = 0. Step 2, z = [30, -30, 100, -100] (h_1 = 0):
    // i = 1, j = -1, f = 1, o = σ(-100) = 3.7e-44 (subnormal in float32, flushed or not): c = c_1 + i j = -1,
    // h = tanh(-1) σ(-100), about 0.
    const [h, c, acts] = tf.tidy(() =>
      lstmForwardKernel(tf.tensor3d([0, 0, 0, 0, 30, -30, 100, -100], [1, 2, 4]), tf.zeros([1, 4])).map((t) => Array.from(t.dataSync())),
    );
    expect(acts!.slice(0, 4)).toEqual([0.5, 0, 0.5, 0.5]);
    expect(acts![4]).toBeCloseTo(1, 7);
    expect(acts![5]).toBeCloseTo(-1, 7);
    expect(acts![6]).toBeCloseTo(1, 7);
    expect(Math.abs(acts![7]!)).toBeLessThan(1e-30);
    expect(c).toEqual([0, expect.closeTo(-1, 7)]);
    expect(h![0]).toBe(0);
    expect(Math.abs(h![1]!)).toBeLessThan(1e-30);
  });

  test('the SIMD sigmoid and tanh equal Math.exp and Math.tanh to float32 precision over the whole range', () => {
    // 4 units (the SIMD path on wasm), one step: i and j of unit k take the argument, f and o none that matter.
    const args = Array.from({ length: 401 }, (_, k) => -20 + k * 0.1).concat([-1e-4, 1e-4, -1e-7, 1e-7, -88, 88, -200, 200]);
    const rows = Math.ceil(args.length / 4);
    const xw = new Float32Array(rows * 16);
    args.forEach((a, k) => {
      const [r, u] = [Math.floor(k / 4), k % 4];
      xw[r * 16 + u] = a; // i
      xw[r * 16 + 4 + u] = a; // j
    });
    const acts = tf.tidy(() => lstmForwardKernel(tf.tensor3d(xw, [rows, 1, 16]), tf.zeros([4, 16]))[2].dataSync());
    let worstSigmoid = 0;
    let worstTanh = 0;
    args.forEach((a, k) => {
      const [r, u] = [Math.floor(k / 4), k % 4];
      const x = Math.fround(a);
      const s = sigmoid(x);
      const t = Math.tanh(x);
      worstSigmoid = Math.max(worstSigmoid, Math.abs(acts[r * 16 + u]! - s) / Math.max(s, 1e-30));
      worstTanh = Math.max(worstTanh, Math.abs(acts[r * 16 + 4 + u]! - t) / Math.max(Math.abs(t), 1e-30));
    });
    expect(worstSigmoid).toBeLessThan(1e-6);
    expect(worstTanh).toBeLessThan(1e-6);
  });
});
