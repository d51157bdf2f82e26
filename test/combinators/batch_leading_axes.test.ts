import { tf } from '../../src/backend/tf.js';
import { BatchLeadingAxes } from '../../src/combinators/batch_leading_axes.js';
import { Dense } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';

/** A layer that insists on rank-2 inputs, as some layers do. */
const rank2Only = () =>
  Fn('RowSums', (x) => {
    if (x.rank !== 2) throw new Error(`RowSums needs rank 2, got ${x.rank}`);
    return x.sum(1, true);
  });

describeOnBackends('BatchLeadingAxes', () => {
  test('flattens leading axes around a rank-2 layer and restores them', () => {
    const layer = BatchLeadingAxes(rank2Only());
    expect(layer.name).toBe('BatchLeadingAxes_RowSums');
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    expect(expectSignatureMatchesOutput(layer, x)).toEqual(shapeDtype([2, 2, 1]));
    expectClose(
      layer.call(x) as Tensor,
      tf.tensor3d([
        [[3], [7]],
        [[11], [15]],
      ]),
    );
  });

  test('keeps nLastAxesToKeep trailing axes; weights pass through; gradient', () => {
    const layer = BatchLeadingAxes(Dense(3), 1);
    expect(expectSignatureMatchesOutput(layer, randn([2, 3, 4, 5], 1))).toEqual(shapeDtype([2, 3, 4, 3]));
    expectLayerGradientsMatch(layer, randn([2, 3, 4, 5], 2));
    const keepTwo = BatchLeadingAxes(
      Fn('Id2', (x) => x.reshape([x.shape[0], -1])),
      2,
    );
    expect(expectSignatureMatchesOutput(keepTwo, randn([2, 3, 4, 5], 3))).toEqual(shapeDtype([2, 3, 20]));
  });

  test('errors: too few axes, and mismatched leading axes, name the layer', () => {
    expect(() => BatchLeadingAxes(rank2Only(), 1).init(shapeDtype([4]))).toThrow(LayerError);
    expect(() => BatchLeadingAxes(rank2Only(), 1).init(shapeDtype([4]))).toThrow(/BatchLeadingAxes_RowSums.*no leading axes/);
    const add = BatchLeadingAxes(Fn('Add2', (a, b) => a.add(b)));
    expect(() => add.init([shapeDtype([2, 3, 4]), shapeDtype([3, 2, 4])])).toThrow(/different leading axes/);
  });
});
