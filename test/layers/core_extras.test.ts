import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, RandomUniformLayer, StopGradient, SummaryScalar, ThresholdToBinary, WeightsLayer } from '../../src/layers/core/index.js';
import { Constant, RandomNormal } from '../../src/layers/initializers.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from './layer_checks.js';

describeOnBackends('WeightsLayer, RandomUniformLayer, StopGradient, SummaryScalar, ThresholdToBinary', () => {
  test('WeightsLayer: no inputs, gives its weight; shape and name; gradient reaches the weight', () => {
    const layer = new WeightsLayer(RandomNormal(1), [2, 3]);
    expect(layer.nIn).toBe(0);
    expect(layer.name).toBe('Weights_2x3');
    expect(new WeightsLayer(RandomNormal()).name).toBe('Weights_scalar');
    expect(expectSignatureMatchesOutput(layer, [])).toEqual(shapeDtype([2, 3]));
    expect(layer.call([])).toBe(layer.weights['w']);
    expectLayerGradientsMatch(layer, []);
    const c = new WeightsLayer(Constant(2.5), [2]);
    c.init(undefined);
    expectClose(c.call([]) as Tensor, [2.5, 2.5]);
    // Trained through a model: d/dw sum(w * 3) = 3 everywhere.
    const grad = tf.grad((w: Tensor) => tf.sum(tf.mul(c.pureFn([], { w }, {}, makeKey(0))[0] as Tensor, 3)))(tf.tensor1d([1, 2]));
    expectClose(grad, [3, 3]);
    expect(() => new WeightsLayer(() => tf.zeros([3]), [2]).init([])).toThrow(/shape \[3\], not \[2\]/);
  });

  test('RandomUniformLayer: shape, range, the key decides the values, no weights', () => {
    const layer = new RandomUniformLayer({ minVal: -2, maxVal: 3, shape: [4, 500] });
    expect(expectSignatureMatchesOutput(layer, [])).toEqual(shapeDtype([4, 500]));
    expect(layer.weights).toEqual({});
    const a = Array.from((layer.call([], { rng: makeKey(1) }) as Tensor).dataSync());
    const b = Array.from((layer.call([], { rng: makeKey(1) }) as Tensor).dataSync());
    const c = Array.from((layer.call([], { rng: makeKey(2) }) as Tensor).dataSync());
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...a)).toBeLessThan(3);
    // 2000 draws: the mean is 0.5 +- 5 / sqrt(12 * 2000) (about 0.03); 0.15 is five standard deviations.
    expect(Math.abs(a.reduce((s, v) => s + v, 0) / a.length - 0.5)).toBeLessThan(0.15);
    expect((new RandomUniformLayer().call([]) as Tensor).shape).toEqual([]);
    expect(() => new RandomUniformLayer({ minVal: 1, maxVal: 1 })).toThrow(/below/);
  });

  test('StopGradient: the identity forward, a zero gradient backward', () => {
    const x = tf.tensor2d([
      [3, 5],
      [2, 6],
    ]);
    expect(expectSignatureMatchesOutput(StopGradient(), randn([2, 3], 1))).toEqual(shapeDtype([2, 3]));
    expectClose(StopGradient().call(x) as Tensor, [
      [3, 5],
      [2, 6],
    ]);
    const stopped = tf.grad((t: Tensor) => tf.sum(tf.square(StopGradient().call(t) as Tensor)))(x);
    expectClose(stopped, [
      [0, 0],
      [0, 0],
    ]);
    // Only the branch through StopGradient is cut: d/dx (x + stop(x))^2 summed = 2 (x + x) = 4x.
    const half = tf.grad((t: Tensor) => tf.sum(tf.square(tf.add(t, StopGradient().call(t) as Tensor))))(x);
    expectClose(half, [
      [12, 20],
      [8, 24],
    ]);
    // Weights below it get no gradient in a model.
    const model = Serial(Dense(2), StopGradient());
    model.init(shapeDtype([1, 3]));
    const dense = model.weights['0'] as Record<string, Tensor>;
    const g = tf.grad((w: Tensor) =>
      tf.sum(model.pureFn(tf.ones([1, 3]), { '0': { w, b: dense['b']! }, '1': {} }, model.state, makeKey(0))[0] as Tensor),
    )(dense['w']!);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
  });

  test('SummaryScalar: the identity, with the mean (or another aggregation) kept in its state', () => {
    const x = tf.tensor2d([
      [3, 5],
      [2, 6],
    ]);
    const layer = SummaryScalar('test');
    expect(layer.name).toBe('Summary_test');
    expect(expectSignatureMatchesOutput(layer, randn([2, 3], 2))).toEqual(shapeDtype([2, 3]));
    layer.init(shapeDtype([2, 2]));
    expectClose(layer.state['summary_test'] as Tensor, 0);
    expect(layer.call(x)).toBe(x);
    expectClose(layer.state['summary_test'] as Tensor, 4);
    const maxed = SummaryScalar('peak', { aggregation: (t) => tf.max(t) });
    maxed.call(x);
    expectClose(maxed.state['summary_peak'] as Tensor, 6);
    expectLayerGradientsMatch(SummaryScalar('g'), randn([2, 3], 3));
    // Inside a model the summary is in the model's state tree, at the layer's place.
    const model = Serial(SummaryScalar('in'), Dense(2));
    model.init(shapeDtype([2, 2]));
    model.call(x);
    expectClose((model.state['0'] as Record<string, Tensor>)['summary_in']!, 4);
    expect(() => SummaryScalar('bad', { aggregation: (t) => tf.sum(t, 0) }).call(x)).toThrow(/one value/);
  });

  test('ThresholdToBinary: int32 1 strictly above the threshold, else 0; shape kept; a zero gradient', () => {
    expect(expectSignatureMatchesOutput(ThresholdToBinary(), randn([2, 3], 4))).toEqual(shapeDtype([2, 3], 'int32'));
    const y = ThresholdToBinary(0.25).call(
      tf.tensor2d([
        [0.1, 0.25],
        [0.26, 0.9],
      ]),
    ) as Tensor;
    expect(y.dtype).toBe('int32');
    expect(y.arraySync()).toEqual([
      [0, 0],
      [1, 1],
    ]);
    // Piecewise constant: away from the threshold a finite difference is 0, and the layer's gradient is zero too.
    const g = tf.grad((t: Tensor) => tf.sum(tf.cast(ThresholdToBinary().call(t) as Tensor, 'float32')))(tf.tensor1d([0.2, 0.8]));
    expectClose(g, [0, 0]);
  });
});
