/**
 * The kernel replacements that installKernelFixes (src/backend/install_kernels.ts) installs: UnsortedSegmentSum,
 * the broadcasting BatchMatMul gradient, Sum over leading axes, Identity sharing data. (The fast BatchMatMul and
 * GatherV2 have their own tests: replacements/fast_batch_matmul.test.ts, simd_kernels.test.ts.)
 */
import { tf } from '../../src/backend/tf.js';
import { segmentSum } from '../../src/backend/replacements/unsorted_segment_sum.js';
import { MIN_ROWS_FOR_PRODUCT_SUM } from '../../src/backend/replacements/wasm_sum.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { randn } from '../layers/layer_checks.js';

describeOnBackends('the kernel replacements', (backend) => {
  test('UnsortedSegmentSum runs (wasm has it from the fixes) and sums rows by id', () => {
    const x = tf.tensor2d([
      [1, 2],
      [10, 20],
      [100, 200],
      [1000, 2000],
    ]);
    const ids = tf.tensor1d([2, 0, 2, 1], 'int32');
    expectClose(tf.unsortedSegmentSum(x, ids, 4), [
      [10, 20],
      [1000, 2000],
      [101, 202],
      [0, 0],
    ]);
    if (backend === 'wasm') {
      // Segment ids covering two leading axes, TensorFlow's semantics (tfjs's cpu kernel handles 1-D ids only).
      const x3 = tf.tensor3d([
        [[1], [2]],
        [[3], [4]],
      ]);
      expectClose(
        tf.unsortedSegmentSum(
          x3,
          tf.tensor2d(
            [
              [0, 1],
              [1, 1],
            ],
            undefined,
            'int32',
          ) as unknown as tf.Tensor1D,
          2,
        ),
        [[1], [9]],
      );
    }
  });

  test("tf.gather's own gradient works (it calls UnsortedSegmentSum)", () => {
    const g = tf.grad((t: Tensor) =>
      tf
        .gather(t, tf.tensor1d([0, 2, 0], 'int32'))
        .mul(tf.tensor1d([1, 10]))
        .sum(),
    )(tf.ones([3, 2]));
    expectClose(g, [
      [2, 20],
      [0, 0],
      [1, 10],
    ]);
  });

  test('the gradient of a broadcasting matMul ([B, L, D] x [D, E]) has the shapes of the inputs and the right values', () => {
    const a = randn([2, 3, 4], 1);
    const w = randn([4, 5], 2);
    const probe = randn([2, 3, 5], 3);
    const [ga, gw] = tf.grads((x: Tensor, y: Tensor) => tf.matMul(x, y).mul(probe).sum())([a, w]);
    const [ra, rw] = tf.grads((x: Tensor, y: Tensor) =>
      tf
        .matMul(x.reshape([6, 4]), y)
        .reshape([2, 3, 5])
        .mul(probe)
        .sum(),
    )([a, w]);
    expectClose(ga!, ra!, 1e-5);
    expectClose(gw!, rw!, 1e-4);
    // Broadcast batch axes on both sides: [2, 1, 3, 4] x [5, 4, 2] -> [2, 5, 3, 2].
    const b1 = randn([2, 1, 3, 4], 4);
    const b2 = randn([5, 4, 2], 5);
    const grads = tf.grads((x: Tensor, y: Tensor) => tf.matMul(x, y).sum())([b1, b2]);
    expect(grads.map((g) => g.shape)).toEqual([
      [2, 1, 3, 4],
      [5, 4, 2],
    ]);
    // d/dx sum(x·y) is sum over the broadcast copies of y of ones·y^T.
    const expected = tf.tidy(() =>
      tf
        .matMul(tf.ones([3, 2]), b2, false, true)
        .sum(0)
        .expandDims(0)
        .expandDims(0)
        .tile([2, 1, 1, 1]),
    );
    expectClose(grads[0]!, expected, 1e-4);
  });

  test('sums over leading axes (a product with ones on wasm) equal sums over the innermost axes of the transpose', () => {
    const rows = MIN_ROWS_FOR_PRODUCT_SUM * 2;
    const x = randn([rows, 2, 3], 6);
    const before = tf.memory();
    const byProduct = tf.sum(x, 0);
    const kept = tf.sum(x, [0, 1], true);
    expect(tf.memory().numTensors).toBe(before.numTensors + 2);
    expect(byProduct.shape).toEqual([2, 3]);
    expect(kept.shape).toEqual([1, 1, 3]);
    expectClose(byProduct, tf.sum(tf.transpose(x, [1, 2, 0]), 2), 1e-4);
    expectClose(kept, tf.sum(tf.transpose(x, [2, 0, 1]), [1, 2]).reshape([1, 1, 3]), 1e-4);
    // Few rows, int32, inner axes and all axes take the stock kernel and still give the same answers.
    expectClose(
      tf.sum(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        0,
      ),
      [4, 6],
    );
    expect(Array.from(tf.sum(tf.ones([rows, 2], 'int32'), 0).dataSync())).toEqual([rows, rows]);
    expectClose(tf.sum(x, 2), tf.sum(x, -1));
    expect(tf.sum(x).dataSync()[0]).toBeCloseTo(tf.sum(byProduct).dataSync()[0]!, 3);
    tf.dispose([x, byProduct, kept]);
  });

  test('sums of one tensor under two different 2-D views stay right (XNNPACK caches packed operands by id)', () => {
    const x = randn([MIN_ROWS_FOR_PRODUCT_SUM, 2, 3], 7);
    const reference = tf.sum(tf.transpose(x, [1, 2, 0]), 2);
    tf.sum(x, [0, 1]).dispose(); // a [128, 3] view of x
    expectClose(tf.sum(x, 0), reference, 1e-4); // a [64, 6] view of the same data
    expectClose(tf.sum(x, [0, 1]), tf.sum(reference, 0), 1e-4);
  });

  if (backend === 'wasm') {
    test('segmentSum drops negative ids and refuses ids >= numSegments', () => {
      const out = new Float32Array(2);
      segmentSum([1, 2, 3], [-1, 1, 1], 1, 2, out);
      expect(Array.from(out)).toEqual([0, 5]);
      expect(() => segmentSum([1], [2], 1, 2, out)).toThrow(/not below numSegments 2/);
    });

    test('Identity (clone, and every tensor a gradient saves) shares data; the copy outlives its source', () => {
      const x = tf.tensor([1, 2, 3]);
      const y = tf.clone(x);
      const wasm = tf.backend() as unknown as { getMemoryOffset(dataId: object): number };
      expect(wasm.getMemoryOffset(y.dataId)).toBe(wasm.getMemoryOffset(x.dataId));
      x.dispose();
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
      y.dispose();
      const before = tf.memory().numBytes;
      // relu saves its output for the backward pass (through Identity): d/dz sum(relu(z)^2) = 2 relu(z).
      const grad = tf.tidy(() =>
        Array.from(
          tf
            .grad((z: tf.Tensor) => tf.relu(z).square().sum())(tf.tensor([-1, 2]))
            .dataSync(),
        ),
      );
      expect(grad).toEqual([0, 4]);
      expect(tf.memory().numBytes).toBe(before);
    });
  }
});
