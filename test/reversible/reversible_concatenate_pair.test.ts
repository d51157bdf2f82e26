import { tf } from '../../src/backend/tf.js';
import { Dense } from '../../src/layers/core/dense.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { ReversibleConcatenatePair, ReversibleHalfResidual, ReversibleSerial, ReversibleSwap } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput } from '../layers/layer_checks.js';
import { lossGrads, maxAbsDiff, randn } from './helpers.js';

const K = makeKey(0);

describeOnBackends('ReversibleConcatenatePair', () => {
  test('is 2 -> 2 and doubles the last axis', () => {
    const layer = ReversibleConcatenatePair();
    expect([layer.name, layer.nIn, layer.nOut]).toEqual(['ReversibleConcatenatePair', 2, 2]);
    const sig = expectSignatureMatchesOutput(layer, [randn(1, [2, 3, 4]), randn(2, [2, 3, 4])]);
    expect(sig).toEqual([shapeDtype([2, 3, 8]), shapeDtype([2, 3, 8])]);
  });

  test('hand-computed value: [1, 2], [3, 4] -> [1, 2, 3, 4] twice; reverse splits it back', () => {
    const layer = ReversibleConcatenatePair();
    const out = layer.call([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])]) as Tensor[];
    expect(out.map((t) => Array.from(t.dataSync()))).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
    const back = layer.reverse(out, {}, {}, K) as Tensor[];
    expect(back.map((t) => Array.from(t.dataSync()))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('gradients match finite differences; reverseAndGrad sums the two cotangents and splits them', () => {
    const layer = ReversibleConcatenatePair();
    const xs = [randn(3, [2, 3]), randn(4, [2, 3])];
    expectLayerGradientsMatch(layer, xs);
    const [, xct] = layer.reverseAndGrad(
      layer.call(xs),
      [tf.tensor2d([[1, 2, 3, 4, 5, 6]]), tf.tensor2d([[10, 20, 30, 40, 50, 60]])],
      {},
      {},
      K,
    );
    expect((xct as Tensor[]).map((t) => t.arraySync())).toEqual([[[11, 22, 33]], [[44, 55, 66]]]);
    const probes = [randn(5, [2, 6]), randn(6, [2, 6])];
    const expected = tf.grads((a: Tensor, b: Tensor): tf.Scalar => {
      const [y1, y2] = layer.pureFn([a, b], {}, {}, K)[0] as Tensor[];
      return tf.add(tf.sum(tf.mul(y1!, probes[0]!)), tf.sum(tf.mul(y2!, probes[1]!)));
    })(xs);
    const [, got] = layer.reverseAndGrad(layer.call(xs), probes, {}, {}, K);
    expectClose((got as Tensor[])[0]!, expected[0]!);
    expectClose((got as Tensor[])[1]!, expected[1]!);
  });

  test('inside a ReversibleSerial (as a decoder joins its streams), reversible gradients equal the ordinary ones', () => {
    const stack = ReversibleSerial(
      ReversibleHalfResidual(Dense(3)),
      ReversibleSwap(),
      ReversibleConcatenatePair(),
      ReversibleHalfResidual(Dense(6)),
    );
    const inputs = [randn(7, [2, 3]), randn(8, [2, 3])];
    stack.init(
      inputs.map((t) => shapeDtype(t.shape)),
      { seed: 3 },
    );
    const reversible = lossGrads(stack, inputs, stack.weights, stack.state, K);
    stack.reversibleBackward = false;
    const plain = lossGrads(stack, inputs, stack.weights, stack.state, K);
    expect(maxAbsDiff(reversible, plain)).toBeLessThan(1e-5);
  });

  test('refuses items of different shapes, which it could not split back', () => {
    expect(() => ReversibleConcatenatePair().init([shapeDtype([2, 3]), shapeDtype([2, 4])])).toThrow(/two items of one shape/);
  });
});
