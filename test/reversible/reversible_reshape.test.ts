import { tf } from '../../src/backend/tf.js';
import { Dense } from '../../src/layers/core/dense.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { ReversibleHalfResidual, ReversibleReshape, ReversibleSerial, ReversibleSwap } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat } from '../layers/layer_checks.js';
import { lossGrads, maxAbsDiff, randn } from './helpers.js';

const K = makeKey(0);

describeOnBackends('ReversibleReshape', () => {
  test('reshapes the leading axes of every item and keeps the rest; named after both shapes', () => {
    const layer = ReversibleReshape([2, 3], [6], 2);
    expect([layer.name, layer.nIn, layer.nOut]).toEqual(['ReversibleReshape_[2, 3]_[6]', 2, 2]);
    const sig = expectSignatureMatchesOutput(layer, [randn(1, [2, 3, 4]), tf.zeros([2, 3], 'int32')]);
    expect(sig).toEqual([shapeDtype([6, 4]), shapeDtype([6], 'int32')]);
    expect(expectSignatureMatchesOutput(ReversibleReshape([-1, 4], [-1]), randn(2, [3, 4, 5]))).toEqual(shapeDtype([12, 5]));
  });

  test('hand-computed value: [[1, 2], [3, 4]] under [2, 2] -> [4] is [1, 2, 3, 4], and reverse gives it back', () => {
    const layer = ReversibleReshape([2, 2], [4]);
    const y = layer.call(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    ) as Tensor;
    expect(y.shape).toEqual([4]);
    expect(flat(y)).toEqual([1, 2, 3, 4]);
    const x = layer.reverse(y, {}, {}, K) as Tensor;
    expect(x.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('gradients match finite differences, and reverseAndGrad gives the same cotangent', () => {
    const layer = ReversibleReshape([2, 3], [3, 2]);
    const x = randn(3, [2, 3, 2]);
    layer.init(shapeDtype(x.shape));
    expectLayerGradientsMatch(layer, x);
    const ct = randn(4, [3, 2, 2]);
    const [xr, xct] = layer.reverseAndGrad(layer.call(x), ct, {}, {}, K);
    expectClose(xr as Tensor, x);
    const expected = tf.grad((xi: Tensor) => tf.sum(tf.mul(layer.pureFn(xi, {}, {}, K)[0] as Tensor, ct)))(x);
    expectClose(xct as Tensor, expected);
  });

  test('inside a ReversibleSerial, reversible gradients equal the ordinary ones', () => {
    const stack = ReversibleSerial(
      ReversibleReshape([2, 3], [6], 2),
      ReversibleHalfResidual(Dense(4)),
      ReversibleSwap(),
      ReversibleReshape([6], [2, 3], 2),
    );
    const inputs = [randn(5, [2, 3, 4]), randn(6, [2, 3, 4])];
    stack.init(
      inputs.map((t) => shapeDtype(t.shape)),
      { seed: 2 },
    );
    const reversible = lossGrads(stack, inputs, stack.weights, stack.state, K);
    stack.reversibleBackward = false;
    const plain = lossGrads(stack, inputs, stack.weights, stack.state, K);
    expect(maxAbsDiff(reversible, plain)).toBeLessThan(1e-5);
  });

  test('an int item rides along with a zero cotangent, inside a ReversibleSerial too', () => {
    const layer = ReversibleReshape([2, 3], [6], 2);
    const ids = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [2, 3],
      'int32',
    );
    const x = randn(9, [2, 3, 2]);
    const out = layer.call([x, ids]) as Tensor[];
    expect(out[1]!.dtype).toBe('int32');
    const [back, cts] = layer.reverseAndGrad(out, [randn(10, [6, 2]), tf.zeros([6])], {}, {}, K);
    expect((back as Tensor[])[1]!.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(flat((cts as Tensor[])[1]!)).toEqual([0, 0, 0, 0, 0, 0]);
    const stack = ReversibleSerial(ReversibleReshape([2, 3], [6], 2), ReversibleReshape([6], [3, 2], 2));
    stack.init([shapeDtype([2, 3, 2]), shapeDtype([2, 3], 'int32')]);
    const reversible = lossGrads(stack, [x, ids], stack.weights, stack.state, K);
    stack.reversibleBackward = false;
    expect(maxAbsDiff(reversible, lossGrads(stack, [x, ids], stack.weights, stack.state, K))).toBe(0);
  });

  test('refuses items that do not start with shape1 and bad shapes', () => {
    expect(() => ReversibleReshape([2, 3], [6]).init(shapeDtype([3, 2, 4]))).toThrow(/does not start with \[2, 3\]/);
    expect(() => ReversibleReshape([2, 3], [4]).init(shapeDtype([2, 3, 4]))).toThrow(/cannot reshape 6 elements/);
    expect(() => ReversibleReshape([-1, -1], [4])).toThrow(RangeError);
  });
});
