import { tf } from '../../src/backend/tf.js';
import { Cache } from '../../src/combinators/cache.js';
import { Serial } from '../../src/combinators/serial.js';
import { Select } from '../../src/combinators/select.js';
import { Dense } from '../../src/layers/core/dense.js';
import { Fn } from '../../src/core/fn.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from '../layers/layer_checks.js';

describeOnBackends('Cache', () => {
  test("takes the sublayer's arity, weights and output signature", () => {
    const dense = Dense(3);
    const layer = Cache(dense);
    expect([layer.name, layer.nIn, layer.nOut]).toEqual(['Cache', 1, 1]);
    expect(expectSignatureMatchesOutput(layer, randn([2, 4], 1))).toEqual(shapeDtype([2, 3]));
    expect(layer.weights['0']).toBe(dense.weights);
    expect(layer.toString()).toBe('Cache[\n  Dense_3\n]');
  });

  test('hand-computed value: the first call runs the layer, later calls replay its output whatever the input', () => {
    let runs = 0;
    const double = Fn('Double', (x) => {
      runs++;
      return x.mul(2);
    });
    const layer = Cache(double);
    layer.init(shapeDtype([2]));
    runs = 0;
    expect(layer.isFilled()).toBe(false);
    expect(flat(layer.call(tf.tensor1d([1, 2])) as Tensor)).toEqual([2, 4]);
    expect(layer.isFilled()).toBe(true);
    expect(flat(layer.call(tf.tensor1d([5, 6])) as Tensor)).toEqual([2, 4]);
    expect(runs).toBe(1);
    // init makes state anew: the cache is empty again.
    layer.init(shapeDtype([2]));
    expect(flat(layer.call(tf.tensor1d([5, 6])) as Tensor)).toEqual([10, 12]);
  });

  test('the outputs handed out and the ones kept are separate handles', () => {
    const layer = Cache(Fn('Neg', (x) => x.neg()));
    layer.init(shapeDtype([1]));
    (layer.call(tf.tensor1d([3])) as Tensor).dispose();
    const again = layer.call(tf.tensor1d([0])) as Tensor;
    again.dispose();
    expect(flat(layer.call(tf.tensor1d([0])) as Tensor)).toEqual([-3]);
  });

  test('stack semantics: caches every output of a 2 -> 2 layer; items below pass through', () => {
    const sumAndDiff = Fn('SumAndDiff', (a, b) => [a.add(b), a.sub(b)], 2);
    const layer = Serial(Cache(sumAndDiff), Select([0, 1, 2]));
    expect([layer.nIn, layer.nOut]).toEqual([3, 3]);
    const out = (xs: number[]) => (layer.call(xs.map((v) => tf.tensor1d([v]))) as Tensor[]).map((t) => flat(t)[0]);
    expect(out([5, 3, 100])).toEqual([8, 2, 100]);
    expect(out([0, 0, 7])).toEqual([8, 2, 7]);
  });

  test("gradients of the first call match finite differences (the sublayer's own)", () => {
    const layer = Cache(Dense(2));
    const x = randn([3, 4], 2);
    layer.init(shapeDtype(x.shape), { seed: 1 });
    // expectLayerGradientsMatch evaluates pureFn with the empty state of init, so every evaluation is a first call.
    expectLayerGradientsMatch(layer, x);
  });

  test('a cached output does not depend on the input or the weights: tfjs finds no path to them', () => {
    const layer = Cache(Dense(2));
    const x = randn([3, 4], 3);
    layer.init(shapeDtype(x.shape));
    const [first, filled] = layer.pureFn(x, layer.weights, layer.state, [0, 0]);
    const replay = (xi: Tensor) => tf.sum(layer.pureFn(xi, layer.weights, filled, [0, 0])[0] as Tensor);
    expect(() => tf.grad(replay)(x)).toThrow(/Cannot compute gradient/);
    expect(flat(layer.pureFn(tf.zerosLike(x), layer.weights, filled, [0, 0])[0] as Tensor)).toEqual(flat(first as Tensor));
  });

  test('refuses a layer without outputs', () => {
    expect(() => Cache(Select([], 1))).toThrow(/nothing to cache/);
  });
});
