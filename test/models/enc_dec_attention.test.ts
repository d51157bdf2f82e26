import { tf } from '../../src/backend/tf.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { EncDecAttention } from '../../src/models/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput } from '../layers/layer_checks.js';
import { maxAbsDiff, randn } from '../reversible/helpers.js';

describeOnBackends('EncDecAttention', () => {
  test('shape: x, enc, mask -> y, enc, mask', () => {
    const layer = EncDecAttention({ nHeads: 2, dQk: 3, dV: 4 });
    expect([layer.nIn, layer.nOut, layer.name]).toEqual([3, 3, 'EncDecAttention_h2']);
    const sig = expectSignatureMatchesOutput(layer, [randn(1, [2, 3, 6]), randn(2, [2, 5, 6]), tf.ones([2, 5], 'bool')]);
    expect(sig).toEqual([shapeDtype([2, 3, 6]), shapeDtype([2, 5, 6]), shapeDtype([2, 5], 'bool')]);
  });

  test('hand-computed: one key gets all the weight, so y = value of that key · wo', () => {
    const layer = EncDecAttention({ nHeads: 1, dQk: 2, dV: 2 });
    layer.init([shapeDtype([1, 1, 2]), shapeDtype([1, 3, 2]), shapeDtype([1, 3])]);
    const eye = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    layer.weights = { wq: eye, wk: eye, wv: eye, wo: eye };
    const enc = tf.tensor3d([
      [
        [5, 7],
        [1, 2],
        [3, 4],
      ],
    ]);
    // Only key 1 is real: y = v_1 = [1, 2].
    const [y] = layer.call([tf.tensor3d([[[1, 1]]]), enc, tf.tensor2d([[0, 1, 0]])]) as Tensor[];
    expect(maxAbsDiff([y!], [tf.tensor3d([[[1, 2]]])])).toBeLessThan(1e-6);
  });

  test('masked encoder positions do not matter', () => {
    const layer = EncDecAttention({ nHeads: 2, dQk: 3, dV: 3 });
    const mask = tf.tensor4d([1, 1, 1, 0, 0], [1, 1, 1, 5], 'bool');
    const x = randn(3, [1, 2, 6]);
    const enc = randn(4, [1, 5, 6]);
    layer.init([shapeDtype([1, 2, 6]), shapeDtype([1, 5, 6]), shapeDtype([1, 1, 1, 5], 'bool')]);
    const changed = tf.concat([enc.slice([0, 0, 0], [1, 3, 6]), randn(5, [1, 2, 6])], 1);
    const [a] = layer.call([x, enc, mask]) as Tensor[];
    const [b] = layer.call([x, changed, mask]) as Tensor[];
    expect(maxAbsDiff([a!], [b!])).toBeLessThan(1e-6);
  });

  test('gradients match finite differences', () => {
    const layer = EncDecAttention({ nHeads: 2, dQk: 2, dV: 2 });
    const inputs = [
      randn(6, [2, 2, 4]),
      randn(7, [2, 3, 4]),
      tf.tensor2d([
        [1, 1, 0],
        [1, 1, 1],
      ]),
    ];
    layer.init([shapeDtype([2, 2, 4]), shapeDtype([2, 3, 4]), shapeDtype([2, 3])], { seed: 2 });
    expectLayerGradientsMatch(layer, inputs);
  });

  test('refuses a mask of the wrong shape', () => {
    const layer = EncDecAttention({ nHeads: 1, dQk: 2, dV: 2 });
    expect(() => layer.init([shapeDtype([1, 2, 4]), shapeDtype([1, 3, 4]), shapeDtype([1, 2])])).toThrow(
      /encoder mask must have shape \[1, 3\] or \[1, 1, 1, 3\]/,
    );
  });
});
