import { tf } from '../../src/backend/tf.js';
import { ArgMax, Flatten, Max, Mean, Min, Sum } from '../../src/layers/core/index.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from './layer_checks.js';

describeOnBackends('reductions', () => {
  test('Flatten keeps n leading axes: [2, 3, 5, 7] -> [2, 105] (keep 1) and [2, 3, 35] (keep 2)', () => {
    const x = randn([2, 3, 5, 7], 1);
    expect(Flatten().name).toBe('Flatten_keep1');
    expect(expectSignatureMatchesOutput(Flatten(), x)).toEqual(shapeDtype([2, 105]));
    expect(expectSignatureMatchesOutput(Flatten(2), x)).toEqual(shapeDtype([2, 3, 35]));
    expectClose(
      Flatten().call(
        tf.tensor3d([
          [
            [1, 2],
            [3, 4],
          ],
        ]),
      ) as Tensor,
      [[1, 2, 3, 4]],
    );
    expectLayerGradientsMatch(Flatten(2), randn([2, 3, 2], 2));
    expect(() => Flatten(2).init(shapeDtype([4, 5]))).toThrow(/Flatten_keep2.*rank \(2\) must exceed/);
  });

  test('Mean over an axis, with and without keepdims; gradient', () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 9],
    ]);
    expectClose(Mean().call(x) as Tensor, [2, 6]);
    expectClose(Mean(0, true).call(x) as Tensor, [[2.5, 3.5, 6]]);
    expectClose(Mean(null).call(x) as Tensor, 4);
    for (const [layer, shape] of [
      [Mean(), [2, 3]],
      [Mean(1, true), [2, 1, 4]],
      [Mean([0, 2]), [3]],
      [Mean(null), []],
    ] as const) {
      expect(expectSignatureMatchesOutput(layer, randn([2, 3, 4], 3))).toEqual(shapeDtype(shape));
    }
    expectLayerGradientsMatch(Mean(1), randn([2, 3, 4], 4));
  });

  test('Sum over an axis, with and without keepdims; gradient', () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 9],
    ]);
    expectClose(Sum().call(x) as Tensor, [6, 18]);
    expectClose(Sum(0, true).call(x) as Tensor, [[5, 7, 12]]);
    expect(expectSignatureMatchesOutput(Sum(-2), randn([2, 3, 4], 5))).toEqual(shapeDtype([2, 4]));
    expect(expectSignatureMatchesOutput(Sum(-1), tf.ones([2, 3], 'int32'))).toEqual(shapeDtype([2], 'int32'));
    expectLayerGradientsMatch(Sum(-1, true), randn([2, 3], 6));
  });

  test('ArgMax gives int32 indices of the largest value along an axis', () => {
    const x = tf.tensor2d([
      [0.1, 0.7, 0.2],
      [0.9, 0.05, 0.05],
    ]);
    const y = ArgMax().call(x) as Tensor;
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, 0]);
    expect(Array.from((ArgMax(0).call(x) as Tensor).dataSync())).toEqual([1, 0, 0]);
    expect(expectSignatureMatchesOutput(ArgMax(), randn([2, 3, 4], 7))).toEqual(shapeDtype([2, 3], 'int32'));
  });

  test('an axis out of range is a LayerError naming the layer', () => {
    expect(() => Mean(3).init(shapeDtype([2, 3]))).toThrow(LayerError);
    expect(() => Sum(5).call(tf.zeros([2]))).toThrow(/Sum.*axis 5 is out of range/);
  });
  test('Min and Max over an axis, with and without keepdims; shapes; gradients as tfjs gives them', () => {
    const x = tf.tensor2d([
      [1, 7, 3],
      [4, -5, 9],
    ]);
    expectClose(Min().call(x) as Tensor, [1, -5]);
    expectClose(Max().call(x) as Tensor, [7, 9]);
    expectClose(Min(0, true).call(x) as Tensor, [[1, -5, 3]]);
    expectClose(Max(null).call(x) as Tensor, 9);
    expect(Min().name).toBe('Min');
    expect(Max().name).toBe('Max');
    for (const [layer, shape] of [
      [Min(), [2, 3]],
      [Max(1, true), [2, 1, 4]],
      [Min([0, 2]), [3]],
      [Max(null), []],
    ] as const) {
      expect(expectSignatureMatchesOutput(layer, randn([2, 3, 4], 7))).toEqual(shapeDtype(shape));
    }
    expect(expectSignatureMatchesOutput(Max(), tf.ones([2, 3], 'int32'))).toEqual(shapeDtype([2], 'int32'));
    // Distinct values: the gradient goes to the one extreme entry of each group, which finite differences see.
    expectLayerGradientsMatch(Min(1), randn([2, 3, 4], 8));
    expectLayerGradientsMatch(Max(-1, true), randn([2, 3, 4], 9));
    const g = tf.grad((t: Tensor) => tf.sum(Max().call(t) as Tensor))(x);
    expectClose(g, [
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(() => Min(2).init(shapeDtype([2, 3]))).toThrow(/Min/);
  });
});
