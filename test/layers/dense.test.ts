import { tf } from '../../src/backend/tf.js';
import { Dense } from '../../src/layers/core/index.js';
import { linearMap } from '../../src/layers/core/linear_map.js';
import { Ones } from '../../src/layers/initializers.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from './layer_checks.js';

describeOnBackends('Dense', () => {
  test('is named Dense_<n> with weights w [dIn, n] and b [n]', () => {
    const layer = Dense(4);
    expect(layer.name).toBe('Dense_4');
    const { weights } = layer.init(shapeDtype([2, 3]));
    expect((weights['w'] as Tensor).shape).toEqual([3, 4]);
    expect((weights['b'] as Tensor).shape).toEqual([4]);
    const noBias = Dense(4, { useBias: false });
    expect(Object.keys(noBias.init(shapeDtype([2, 3])).weights)).toEqual(['w']);
  });

  test.each([[[5]], [[2, 3]], [[2, 3, 5]], [[2, 2, 3, 5]]])('output signature matches the output for input %j', (shape) => {
    const x = randn(shape, 1);
    expect(expectSignatureMatchesOutput(Dense(6), x)).toEqual(shapeDtype([...shape.slice(0, -1), 6]));
    x.dispose();
  });

  test('hand-computed value: [1, 2] · [[1, 2, 3], [4, 5, 6]] + [0.5, 0, -1] = [9.5, 12, 14]', () => {
    const layer = Dense(3);
    layer.init(shapeDtype([1, 2]));
    layer.weights = {
      w: tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      b: tf.tensor1d([0.5, 0, -1]),
    };
    expectClose(layer.call(tf.tensor2d([[1, 2]])) as Tensor, [[9.5, 12, 14]]);
    // The same on a [B, L, D] input, row by row.
    const y = layer.call(
      tf.tensor3d([
        [
          [1, 2],
          [0, 0],
        ],
      ]),
    ) as Tensor;
    expectClose(
      y,
      tf.tensor3d([
        [
          [9.5, 12, 14],
          [0.5, 0, -1],
        ],
      ]),
    );
  });

  test('gradients match finite differences for a [B, L, D] input (inputs, w and b)', () => {
    const layer = Dense(3);
    const x = randn([2, 3, 4], 2);
    layer.init(shapeDtype(x.shape), { seed: 3 });
    expectLayerGradientsMatch(layer, x);
    const noBias = Dense(2, { useBias: false });
    noBias.init(shapeDtype(x.shape));
    expectLayerGradientsMatch(noBias, x);
  });

  test('custom initializers are used', () => {
    const layer = Dense(2, { kernelInitializer: Ones(), biasInitializer: Ones() });
    const { weights } = layer.init(shapeDtype([1, 3]));
    expect(Array.from((weights['w'] as Tensor).dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from((weights['b'] as Tensor).dataSync())).toEqual([1, 1]);
  });

  test('linearMap equals a batched matMul on 3-D inputs', () => {
    const x = randn([2, 3, 4], 5);
    const w = randn([4, 5], 6);
    const expected = tf.tidy(() => tf.stack(tf.unstack(x).map((m) => tf.matMul(m, w))));
    expectClose(linearMap(x, w), expected, 1e-5);
  });

  test('a wrong input depth or dtype gives a LayerError naming Dense_3', () => {
    const layer = Dense(3);
    layer.init(shapeDtype([2, 4]));
    expect(() => layer.call(tf.zeros([2, 5]))).toThrow(LayerError);
    expect(() => layer.call(tf.zeros([2, 5]))).toThrow(/Dense_3/);
    expect(() => Dense(3).init(shapeDtype([2, 4], 'int32'))).toThrow(/Dense_3.*float32/);
    expect(() => Dense(0)).toThrow(RangeError);
  });
});
