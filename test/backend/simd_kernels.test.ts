import { spawnSync } from 'node:child_process';
import { adamUpdate } from '../../src/backend/fused/adam_kernel.js';
import { useBackend } from '../../src/backend/backends.js';
import { checkRowIndices, isFastWasmGatherInstalled } from '../../src/backend/replacements/fast_gather.js';
import {
  layerNormGradKernel,
  layerNormGradLoop,
  layerNormKernel,
  layerNormKernelsRun,
  layerNormLoop,
} from '../../src/backend/fused/layer_norm_kernel.js';
import { movingAverage } from '../../src/backend/fused/moving_average_kernel.js';
import { simdKernels } from '../../src/backend/simd/simd_kernels.js';
import { sumOfSquares } from '../../src/backend/fused/sum_of_squares_kernel.js';
import { tf } from '../../src/backend/tf.js';
import { makeKey, normalFloats } from '../../src/rng/key.js';

const ATTRS = { b1: 0.9, b2: 0.999, eps: 1e-5, learningRate: 0.01, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3, decay: 1 - 1e-5 };

/** Adam's update in float64, element by element: the hand-computed reference. */
function adamReference(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array): [number[], number[], number[]] {
  const out: [number[], number[], number[]] = [[], [], []];
  for (let i = 0; i < w.length; i++) {
    const mi = ATTRS.b1 * m[i]! + (1 - ATTRS.b1) * g[i]!;
    const vi = ATTRS.b2 * v[i]! + (1 - ATTRS.b2) * g[i]! ** 2;
    out[0].push(ATTRS.decay * w[i]! - (ATTRS.learningRate * mi) / ATTRS.c1 / (Math.sqrt(vi / ATTRS.c2) + ATTRS.eps));
    out[1].push(mi);
    out[2].push(vi);
  }
  return out;
}

/** Relative error, absolute below 0.1 (float32 cancellation in `b1 m + (1 - b1) g` near 0). */
function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(0.1, Math.abs(want[i]!)));
  return worst;
}

describe('the SIMD kernels (src/backend/simd)', () => {
  test('the committed module is the compilation of kernels.wat', () => {
    const result = spawnSync(process.execPath, ['scripts/build_simd.mjs', '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test("run over a shared memory too (the threaded binary's, in cross-origin isolated pages), with the same results", () => {
    const plain = new WebAssembly.Memory({ initial: 1 });
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    // A single-threaded binary exports its memory (asm.memory), the threaded one keeps it as wasmMemory.
    const overPlain = simdKernels({ wasm: { asm: { memory: plain } } })!;
    const overShared = simdKernels({ wasm: { asm: {}, wasmMemory: shared } })!;
    expect(overShared).toBeDefined();
    const rows = 3;
    const c4 = 2;
    const values = Float32Array.from({ length: rows * c4 * 4 }, (_, i) => Math.sin(i) * 3);
    const sums = [plain, shared].map((memory, k) => {
      new Float32Array(memory.buffer).set(values);
      (k === 0 ? overPlain : overShared).sum_rows(0, rows, c4, 1024);
      return Array.from(new Float32Array(memory.buffer, 1024, c4 * 4));
    });
    const expected = Array.from({ length: c4 * 4 }, (_, j) => values[j]! + values[j + c4 * 4]! + values[j + 2 * c4 * 4]!);
    expect(sums[1]).toEqual(sums[0]);
    sums[1]!.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 5));
    expect(overShared.sum_squares(0, rows * c4)).toBeCloseTo(
      values.reduce((s, v) => s + v * v, 0),
      3,
    );
  });

  test('run over the wasm backend memory in Node, and are absent on cpu', async () => {
    await useBackend('wasm');
    expect(simdKernels(tf.backend())).toBeDefined();
    await useBackend('cpu');
    expect(simdKernels(tf.backend())).toBeUndefined();
  });
});

describe.each(['wasm', 'cpu'] as const)('fused optimizer kernels on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  // 4 * 1000 + 3 values: the SIMD body and the scalar remainder both run.
  test.each([[1], [7], [4003]])('adamUpdate of %i values matches the float64 reference', (n) => {
    const [w, g, m] = [1, 2, 3].map((s) => normalFloats(makeKey(s), n));
    const v = Float32Array.from(normalFloats(makeKey(4), n), (x) => x * x);
    const [want0, want1, want2] = adamReference(w!, g!, m!, v);
    const got = tf.tidy(() => adamUpdate(tf.tensor(w!), tf.tensor(g!), tf.tensor(m!), tf.tensor(v), ATTRS).map((t) => t.dataSync()));
    expect(maxRelativeError(got[0]!, want0)).toBeLessThan(1e-5);
    expect(maxRelativeError(got[1]!, want1)).toBeLessThan(1e-5);
    expect(maxRelativeError(got[2]!, want2)).toBeLessThan(1e-5);
  });

  test('adamUpdate by hand: one step from zero moments moves each weight by the learning rate against the gradient sign', () => {
    const attrs = { ...ATTRS, c1: 0.1, c2: 0.001, decay: 1 };
    const [w, m, v] = tf.tidy(() =>
      adamUpdate(tf.tensor([1, 1]), tf.tensor([0.5, -2]), tf.zeros([2]), tf.zeros([2]), attrs).map((t) => Array.from(t.dataSync())),
    );
    // m = 0.1 g, v = 0.001 g^2: m / c1 = g, sqrt(v / c2) = |g|, so w - 0.01 g / (|g| + 1e-5).
    expect(m![0]).toBeCloseTo(0.05, 7);
    expect(v![1]).toBeCloseTo(0.004, 7);
    expect(w![0]).toBeCloseTo(1 - 0.01 * (0.5 / (0.5 + 1e-5)), 6);
    expect(w![1]).toBeCloseTo(1 + 0.01 * (2 / (2 + 1e-5)), 6);
  });

  test('adamUpdate leaks no tensors', () => {
    const xs = [tf.ones([9]), tf.ones([9]), tf.zeros([9]), tf.zeros([9])] as const;
    const before = tf.memory().numTensors;
    tf.dispose(adamUpdate(...xs, ATTRS));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...xs]);
  });

  // 4 * 2500 + 3 values: the SIMD body and the scalar remainder both run.
  test.each([[1], [7], [10003]])('movingAverage of %i values equals the tfjs ops d avg + (1 - d) x bit for bit', (n) => {
    const [avg, x] = [6, 7].map((s) => tf.tensor(normalFloats(makeKey(s), n)));
    for (const d of [0.999, 0.1, 1 / 3]) {
      const got = tf.tidy(() => movingAverage(avg!, x!, d).dataSync());
      const want = tf.tidy(() => tf.add(tf.mul(avg!, d), tf.mul(x!, 1 - d)).dataSync());
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    tf.dispose([avg!, x!]);
  });

  test('movingAverage by hand: 0.75 of 4 and 0.25 of 8 is 5', () => {
    expect(tf.tidy(() => Array.from(movingAverage(tf.tensor([4, 4, 4, 4, 4]), tf.tensor([8, 8, 8, 8, 0]), 0.75).dataSync()))).toEqual([
      5, 5, 5, 5, 3,
    ]);
  });

  test.each([[1], [6], [100003]])('sumOfSquares of %i values matches a float64 sum', (n) => {
    const x = normalFloats(makeKey(9), n);
    let want = 0;
    for (const value of x) want += value * value;
    const got = tf.tidy(() => sumOfSquares(tf.tensor(x)).dataSync()[0]!);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
  });
});

describe('column sums and row gathers on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  test('tf.sum over leading axes (SIMD rows) agrees with a float64 sum', () => {
    const [rows, cols] = [200, 12];
    const x = normalFloats(makeKey(5), rows * cols);
    const got = tf.tidy(() => tf.sum(tf.tensor(x, [10, 20, cols]), [0, 1]).dataSync());
    for (let c = 0; c < cols; c++) {
      let want = 0;
      for (let r = 0; r < rows; r++) want += x[r * cols + c]!;
      expect(Math.abs(got[c]! - want)).toBeLessThan(1e-4);
    }
  });

  test('the row gather is installed and matches the rows by hand (float32, int32, rank 1, 2-D indices); out-of-range indices are refused by name', () => {
    expect(isFastWasmGatherInstalled()).toBe(true);
    const table = tf.tensor([0, 1, 10, 11, 20, 21], [3, 2]);
    expect(tf.tidy(() => Array.from(tf.gather(table, tf.tensor([2, 0, 2], undefined, 'int32')).dataSync()))).toEqual([
      20, 21, 0, 1, 20, 21,
    ]);
    expect(() => tf.gather(table, tf.tensor([1, 3], undefined, 'int32'))).toThrow('GatherV2: index 3 at position 1 is not in [0, 2]');
    table.dispose();
    expect(() => checkRowIndices([0, 2, -1], 3)).toThrow('GatherV2: index -1 at position 2 is not in [0, 2]');
    // Rows of an int32 table and a rank-1 table, with 2-D indices.
    const ints = tf.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      undefined,
      'int32',
    );
    const picked = tf.gather(
      ints,
      tf.tensor(
        [
          [1, 1],
          [0, 1],
        ],
        undefined,
        'int32',
      ),
    );
    expect(picked.shape).toEqual([2, 2, 3]);
    expect(Array.from(picked.dataSync())).toEqual([4, 5, 6, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(tf.gather(tf.tensor([7, 8, 9]), tf.tensor([2, 0], undefined, 'int32')).dataSync())).toEqual([9, 7]);
    tf.dispose([ints, picked]);
  });

  test('gathers along another axis or with int32 tables still agree with cpu', async () => {
    const x = normalFloats(makeKey(6), 4 * 5);
    const run = () => tf.tidy(() => Array.from(tf.gather(tf.tensor(x, [4, 5]), tf.tensor([4, 0], undefined, 'int32'), 1).dataSync()));
    const wasm = run();
    await useBackend('cpu');
    expect(wasm).toEqual(run());
    await useBackend('wasm');
  });
});

describe.each(['wasm', 'cpu'] as const)('layer normalisation kernels on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  // depth 8 takes the SIMD kernel on wasm, depth 6 the loop.
  test.each([[8], [6]])('forward and backward of depth %i agree with the float64 loops', (depth) => {
    const rows = 5;
    const [x, dy] = [normalFloats(makeKey(11), rows * depth), normalFloats(makeKey(12), rows * depth)];
    const scale = Float32Array.from(normalFloats(makeKey(13), depth), (v) => v + 1);
    const bias = normalFloats(makeKey(14), depth);
    const want = { y: new Float32Array(rows * depth), xhat: new Float32Array(rows * depth), rstd: new Float32Array(rows) };
    layerNormLoop(x, scale, bias, want.y, want.xhat, want.rstd, 1e-6);
    const wantGrad = { dx: new Float32Array(rows * depth), dScale: new Float32Array(depth), dBias: new Float32Array(depth) };
    layerNormGradLoop(dy, want.xhat, want.rstd, scale, wantGrad.dx, wantGrad.dScale, wantGrad.dBias);
    const xt = tf.tensor(x, [rows, depth]);
    expect(layerNormKernelsRun(xt)).toBe(true);
    const got = tf.tidy(() => {
      const [y, xhat, rstd] = layerNormKernel(xt, tf.tensor(scale), tf.tensor(bias), 1e-6);
      const [dx, dScale, dBias] = layerNormGradKernel(tf.tensor(dy, [rows, depth]), xhat, rstd, tf.tensor(scale));
      expect(rstd.shape).toEqual([rows, 1]);
      return [y, xhat, rstd, dx, dScale, dBias].map((t) => t.dataSync());
    });
    xt.dispose();
    const wanted = [want.y, want.xhat, want.rstd, wantGrad.dx, wantGrad.dScale, wantGrad.dBias];
    wanted.forEach((w, i) => expect(maxRelativeError(got[i]!, w)).toBeLessThan(1e-5));
  });
});
