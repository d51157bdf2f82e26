import { useBackend } from '../../../src/backend/backends.js';
import {
  isFastWasmBatchMatMulInstalled,
  setSimdGemm,
  setSimdProductMacs,
  SIMD_PRODUCT_MACS,
  SMALL_PRODUCT_MACS,
  useFastWasmBatchMatMul,
} from '../../../src/backend/replacements/fast_batch_matmul.js';
import { tf } from '../../../src/backend/tf.js';
import { makeKey, normalFloats } from '../../../src/rng/key.js';

/** Runs `f` on a backend with tensors made from the same seeded data, and returns the result's values. */
async function on(
  backend: 'cpu' | 'wasm',
  shapes: number[][],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<{ shape: number[]; data: Float32Array }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const xs = shapes.map((s, i) =>
      tf.tensor(
        normalFloats(
          makeKey(7 + i),
          s.reduce((p, d) => p * d, 1),
        ),
        s,
      ),
    );
    const y = f(...xs);
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

async function expectSameOnBothBackends(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<void> {
  const cpu = await on('cpu', shapes, f);
  const wasm = await on('wasm', shapes, f);
  expect(wasm.shape).toEqual(cpu.shape);
  let worst = 0;
  for (let i = 0; i < cpu.data.length; i++) worst = Math.max(worst, Math.abs(cpu.data[i]! - wasm.data[i]!));
  expect(worst).toBeLessThan(1e-3);
}

// Small products run on the SIMD kernels (dot form for a transposed right operand, axpy form otherwise); with the
// SIMD threshold at 0 the same cases exercise the per-item XNNPACK loop.
describe.each([
  ['per-item XNNPACK products', 0],
  ['SIMD kernels for small products', SIMD_PRODUCT_MACS],
])('fast wasm BatchMatMul agrees with the cpu backend (%s)', (_path, simdMacs) => {
  beforeAll(() => setSimdProductMacs(simdMacs));
  afterAll(() => setSimdProductMacs(SIMD_PRODUCT_MACS));

  test('importing tf.ts installs the kernel; it can be switched off and on (A/B benchmarks)', () => {
    expect(isFastWasmBatchMatMulInstalled()).toBe(true);
    useFastWasmBatchMatMul(false);
    expect(isFastWasmBatchMatMulInstalled()).toBe(false);
    useFastWasmBatchMatMul(true);
    expect(isFastWasmBatchMatMulInstalled()).toBe(true);
  });

  const [B, M, K, N] = [3, 24, 32, 28];
  expect(M * K * N).toBeGreaterThan(SMALL_PRODUCT_MACS);
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      test(`batched, transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
        const a = transposeA ? [B, K, M] : [B, M, K];
        const b = transposeB ? [B, N, K] : [B, K, N];
        await expectSameOnBothBackends([a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
      });
      test(`2-D, transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
        const a = transposeA ? [K, M] : [M, K];
        const b = transposeB ? [N, K] : [K, N];
        await expectSameOnBothBackends([a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
      });
      test(`broadcast right operand [1,K,N], transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
        const a = transposeA ? [B, K, M] : [B, M, K];
        const b = transposeB ? [1, N, K] : [1, K, N];
        await expectSameOnBothBackends([a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
      });
      test(`broadcast left operand [1,M,K], transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
        const a = transposeA ? [1, K, M] : [1, M, K];
        const b = transposeB ? [B, N, K] : [B, K, N];
        await expectSameOnBothBackends([a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
      });
    }
  }

  // N = 28 takes the per-item XNNPACK loop (or the SIMD kernels), N = 32 the SIMD GEMM per item.
  test.each([N, 32])('4-D operands with batch dims broadcasting both ways ([2,1] x [1,3]), N = %i, match a plain reference', async (N) => {
    // tfjs's own cpu kernel indexes batches modulo max(batchA, batchB), which is wrong for two-way broadcasting, so
    // the reference here is a plain triple loop.
    const a = normalFloats(makeKey(1), 2 * M * K);
    const b = normalFloats(makeKey(2), 3 * K * N);
    await useBackend('wasm');
    const got = tf.tidy(() => tf.matMul(tf.tensor(a, [2, 1, M, K]), tf.tensor(b, [1, 3, K, N])).dataSync());
    let worst = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let sum = 0;
            for (let k = 0; k < K; k++) sum += a[i * M * K + m * K + k]! * b[j * K * N + k * N + n]!;
            worst = Math.max(worst, Math.abs(sum - got[((i * 3 + j) * M + m) * N + n]!));
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  test('4-D operands of equal batch shape', async () => {
    await expectSameOnBothBackends(
      [
        [2, 3, M, K],
        [2, 3, N, K],
      ],
      (x, y) => tf.matMul(x, y, false, true),
    );
  });

  test('one data buffer multiplied under two shapes (reshape views) gives right results both times', async () => {
    // XNNPACK caches the packed right operand by tensor id; views share the id.
    const f = (a1: tf.Tensor, a2: tf.Tensor, x: tf.Tensor) =>
      tf.concat([tf.matMul(a1, x.reshape([32, 48])).flatten(), tf.matMul(a2, x.reshape([48, 32])).flatten()]);
    await expectSameOnBothBackends([[3, 20, 32], [3, 20, 48], [1536]], f);
  });

  test('inner and outer sizes that are not multiples of 4 agree (the SIMD forms do not apply)', async () => {
    await expectSameOnBothBackends(
      [
        [3, 9, 13],
        [3, 11, 13],
      ],
      (x, y) => tf.matMul(x, y, false, true),
    );
    await expectSameOnBothBackends(
      [
        [3, 9, 13],
        [3, 13, 11],
      ],
      (x, y) => tf.matMul(x, y),
    );
    await expectSameOnBothBackends(
      [
        [3, 13, 9],
        [3, 13, 12],
      ],
      (x, y) => tf.matMul(x, y, true, false),
    );
  });

  test('plain 2-D products of one buffer under two shapes, then again under the first, give right results', async () => {
    const f = (a1: tf.Tensor, a2: tf.Tensor, x: tf.Tensor) =>
      tf.concat([
        tf.matMul(a1, x.reshape([32, 48])).flatten(),
        tf.matMul(a2, x.reshape([48, 32])).flatten(),
        tf.matMul(a1, x.reshape([32, 48])).flatten(),
      ]);
    await expectSameOnBothBackends([[20, 32], [20, 48], [1536]], f);
  });

  test('tiny products take the stock kernel and still agree', async () => {
    await expectSameOnBothBackends(
      [
        [5, 2, 3],
        [5, 4, 3],
      ],
      (x, y) => tf.matMul(x, y, false, true),
    );
  });

  test('gradients of a batched transposed product agree', async () => {
    const f = (x: tf.Tensor, y: tf.Tensor) => {
      const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true).square().sum())([x, y]);
      return tf.concat([ga!.flatten(), gb!.flatten()]);
    };
    await expectSameOnBothBackends(
      [
        [B, M, K],
        [B, N, K],
      ],
      f,
    );
  });

  test('no tensors leak on wasm', async () => {
    await useBackend('wasm');
    const a = tf.ones([B, K, M]);
    const b = tf.ones([B, N, K]);
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    tf.matMul(a, b, true, true).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    tf.dispose([a, b]);
  });
});

// Products whose N is a multiple of 8 or above 16 run on the packed SIMD GEMM (`gemm` in kernels.wat), above the small-product
// threshold: rows not a multiple of the 4-row panels, depths not a multiple of the 4-column transposes, both
// transposes, a left batch folded into rows, and batches of products (one call per item, broadcasting). XNNPACK (setSimdGemm(false)) gives the same sums in the same order: bit-for-bit equal results.
describe('the SIMD GEMM for 2-D products', () => {
  afterAll(() => setSimdGemm(true));

  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['x·w', [37, 19], [19, 24], false, false],
    ['dy·wᵀ', [37, 24], [19, 24], false, true],
    ['xᵀ·dy', [37, 19], [37, 24], true, false],
    ['aᵀ·bᵀ', [19, 37], [16, 19], true, true],
    ['one row', [1, 5], [5, 8], false, false],
    ['folded batch [3,7,9]·[9,16]', [3, 7, 9], [9, 16], false, false],
    ['large', [301, 128], [128, 64], false, false],
    ['batched a·b', [3, 70, 40], [3, 40, 32], false, false],
    ['batched a·bᵀ', [3, 70, 40], [3, 32, 40], false, true],
    ['batched aᵀ·b', [3, 40, 70], [3, 40, 32], true, false],
    ['batched aᵀ·b, shared b', [3, 40, 70], [1, 40, 32], true, false],
    ['batched, shared a', [1, 70, 40], [3, 40, 32], false, false],
    ['N = 17 (a partial strip of columns)', [37, 19], [19, 17], false, false],
    ['N = 21, transposed', [21, 70, 8], [21, 21, 8], false, true],
    ['N = 103, aᵀ·b', [65, 33], [65, 103], true, false],
  ];
  test.each(cases)('%s agrees with the cpu backend', async (_name, a, b, transposeA, transposeB) => {
    await expectSameOnBothBackends([a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
  });

  test.each(cases)('%s equals XNNPACK bit for bit', async (_name, a, b, transposeA, transposeB) => {
    const gemm = await on('wasm', [a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
    setSimdGemm(false);
    const xnnpack = await on('wasm', [a, b], (x, y) => tf.matMul(x, y, transposeA, transposeB));
    setSimdGemm(true);
    expect(Array.from(gemm.data)).toEqual(Array.from(xnnpack.data));
  });

  test('gradients of a 2-D product (all three GEMM layouts) match the cpu backend', async () => {
    const f = (x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor): tf.Tensor => {
      const [gx, gw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q), dy)))([x, w]);
      return tf.concat([gx!.reshape([-1]), gw!.reshape([-1])]);
    };
    await expectSameOnBothBackends(
      [
        [45, 32],
        [32, 40],
        [45, 40],
      ],
      f,
    );
  });
});
