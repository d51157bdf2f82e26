import { tf } from '../../../src/backend/tf.js';
import { CausalConv } from '../../../src/layers/convolution/causal_conv.js';
import { shapeDtype } from '../../../src/core/stack.js';
import type { Tensor } from '../../../src/core/types.js';
import { describeOnBackends } from '../../helpers/backends.js';
import { expectClose } from '../../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from '../layer_checks.js';

describeOnBackends('CausalConv', () => {
  test('keeps the length: [B, L, C] -> [B, L, filters], kernel [width, C, filters]', () => {
    const layer = CausalConv(30, 3);
    expect(layer.name).toBe('CausalConv');
    expect(expectSignatureMatchesOutput(layer, randn([9, 5, 20], 1))).toEqual(shapeDtype([9, 5, 30]));
    expect((layer.weights['w'] as Tensor).shape).toEqual([3, 20, 30]);
    expect(expectSignatureMatchesOutput(CausalConv(4, 2, { dilation: 3 }), randn([2, 7, 3], 2))).toEqual(shapeDtype([2, 7, 4]));
    expect(expectSignatureMatchesOutput(CausalConv(4, 5), randn([2, 2, 3], 2))).toEqual(shapeDtype([2, 2, 4]));
  });

  test('hand-computed value: y[t] = x[t-2] + 10 x[t-1] + 100 x[t] (zeros before the start)', () => {
    const layer = CausalConv(1, 3, { useBias: false });
    layer.init(shapeDtype([1, 4, 1]));
    layer.weights = { w: tf.tensor3d([1, 10, 100], [3, 1, 1]) };
    expectClose(layer.call(tf.tensor3d([1, 2, 3, 4], [1, 4, 1])) as Tensor, tf.tensor3d([100, 210, 321, 432], [1, 4, 1]));
  });

  test('hand-computed value with dilation 2: y[t] = x[t-2] + 10 x[t] + 0.5', () => {
    const layer = CausalConv(1, 2, { dilation: 2 });
    layer.init(shapeDtype([1, 4, 1]));
    layer.weights = { w: tf.tensor3d([1, 10], [2, 1, 1]), b: tf.tensor1d([0.5]) };
    expectClose(layer.call(tf.tensor3d([1, 2, 3, 4], [1, 4, 1])) as Tensor, tf.tensor3d([10.5, 20.5, 31.5, 42.5], [1, 4, 1]));
  });

  test('is causal: output t has zero gradient with respect to every later input', () => {
    const layer = CausalConv(3, 3, { dilation: 2 });
    const x = randn([1, 8, 2], 3);
    layer.init(shapeDtype(x.shape), { seed: 1 });
    for (const t of [0, 3, 6]) {
      const g = tf.tidy(() =>
        tf.grad((xi: Tensor) => tf.sum(tf.slice(layer.pureFn(xi, layer.weights, layer.state, [0, 0])[0] as Tensor, [0, t, 0], [1, 1, 3])))(
          x,
        ),
      );
      const perStep = flat(tf.sum(tf.abs(g), [0, 2]));
      perStep.forEach((v, s) => (s > t ? expect(v).toBe(0) : undefined));
      // It sees t, t - 2 and t - 4 (where they exist) and nothing between.
      perStep.forEach((v, s) => (s <= t && (t - s) % 2 === 0 && t - s <= 4 ? expect(v).toBeGreaterThan(0) : expect(v).toBe(0)));
      g.dispose();
    }
  });

  test('gradients match finite differences (inputs, w and b)', () => {
    const layer = CausalConv(3, 3, { dilation: 2 });
    const x = randn([2, 6, 2], 4);
    layer.init(shapeDtype(x.shape), { seed: 2 });
    expectLayerGradientsMatch(layer, x);
  });

  test('refuses a non-positive width or dilation', () => {
    expect(() => CausalConv(3, 0)).toThrow(RangeError);
    expect(() => CausalConv(3, 2, { dilation: 0 })).toThrow(RangeError);
  });
});
