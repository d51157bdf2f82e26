import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Dropout, LayerNorm } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { shapeDtype } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { ReversibleHalfResidual } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose, expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { lossGrads, maxAbsDiff, randn } from './helpers.js';

const K = makeKey(3);

describeOnBackends('ReversibleHalfResidual', () => {
  test('hand-computed: x1, x2 -> x1 + 2·x2, x2; reverse and cotangents', () => {
    const layer = ReversibleHalfResidual(Fn('Double', (x) => x.mul(2)));
    expect([layer.nIn, layer.nOut]).toEqual([2, 2]);
    const out = layer.call([tf.tensor([1, 2]), tf.tensor([3, 4])]) as Tensor[];
    expectClose(out[0]!, [7, 10]);
    expectClose(out[1]!, [3, 4]);
    const x = layer.reverse(out, layer.weights, layer.state, K) as Tensor[];
    expectClose(x[0]!, [1, 2]);
    expectClose(x[1]!, [3, 4]);
    // d/dx1 = c1, d/dx2 = c2 + 2·c1.
    const [, xct] = layer.reverseAndGrad(out, [tf.tensor([1, -1]), tf.tensor([5, 6])], layer.weights, layer.state, K);
    expectClose((xct as Tensor[])[0]!, [1, -1]);
    expectClose((xct as Tensor[])[1]!, [7, 4]);
  });

  test('an attention-like layer takes the context (x, mask) and the mask passes through', () => {
    const maskedScale = Fn('MaskedScale', (x, m) => [x.mul(tf.cast(m, 'float32')).mul(3), m], 2);
    const layer = ReversibleHalfResidual(
      Fn('AddOne', (x) => x.add(1)),
      { attentionLayer: maskedScale },
    );
    expect([layer.nIn, layer.nOut]).toEqual([3, 3]);
    const mask = tf.tensor([true, false], [2], 'bool');
    const out = layer.call([tf.tensor([1, 1]), tf.tensor([2, 5]), mask]) as Tensor[];
    // 1 + 3·(2+1)·1 = 10 ; 1 + 3·(5+1)·0 = 1
    expectClose(out[0]!, [10, 1]);
    expect(out[2]).toBe(mask);
    const [x, xct] = layer.reverseAndGrad(out, [tf.tensor([1, 1]), tf.tensor([0, 0]), tf.zeros([2])], layer.weights, layer.state, K);
    expectClose((x as Tensor[])[0]!, [1, 1]);
    expectClose((xct as Tensor[])[1]!, [3, 0]);
    expect((xct as Tensor[])[2]!.dtype).toBe('float32');
  });

  test('shape: init infers the signature; a residual of the wrong shape is refused', () => {
    const layer = ReversibleHalfResidual(LayerNorm(), Dense(6));
    const sig = [shapeDtype([2, 5, 6]), shapeDtype([2, 5, 6])];
    const { outputSignature, weights } = layer.init(sig);
    expect(outputSignature).toEqual(sig);
    const out = layer.call([randn(1, [2, 5, 6]), randn(2, [2, 5, 6])]) as Tensor[];
    expect(out.map((o) => o.shape)).toEqual([
      [2, 5, 6],
      [2, 5, 6],
    ]);
    expect(Object.keys(weights)).toEqual(['0']);
    expect(() => ReversibleHalfResidual(Dense(4)).init(sig)).toThrow(
      /residual branch gives shape \[2,5,4\] but the accumulator has shape \[2,5,6\]/,
    );
  });

  test('reverseAndGrad equals tfjs gradients, with dropout in train mode', () => {
    const layer = ReversibleHalfResidual(
      LayerNorm(),
      Dense(8),
      Dropout(0.3),
      Fn('Tanh', (x) => tf.tanh(x)),
      Dense(4),
    );
    layer.init([shapeDtype([3, 4]), shapeDtype([3, 4])], { seed: 5 });
    const x1 = randn(10, [3, 4]);
    const x2 = randn(11, [3, 4]);
    const rng = makeKey(99);
    const expected = lossGrads(layer, [x1, x2], layer.weights, layer.state, rng);
    const [out] = layer.pureFn([x1, x2], layer.weights, layer.state, rng);
    const ct = [randn(77, [3, 4]), randn(78, [3, 4])];
    const [x, xct, wg] = layer.reverseAndGrad(out, ct, layer.weights, layer.state, rng);
    expect(maxAbsDiff(x as Tensor[], [x1, x2])).toBeLessThan(1e-5);
    expect(maxAbsDiff([...(xct as Tensor[]), ...treeLeaves(wg)], expected)).toBeLessThan(1e-5);
  });

  test('gradients match finite differences', () => {
    const layer = ReversibleHalfResidual(
      Serial(
        Dense(5),
        Fn('Tanh', (x) => tf.tanh(x)),
        Dense(3),
      ),
    );
    layer.init([shapeDtype([2, 3]), shapeDtype([2, 3])], { seed: 2 });
    const w = layer.weights as { 0: { 0: { w: Tensor; b: Tensor }; 2: { w: Tensor; b: Tensor } } };
    const f = (x1: Tensor, x2: Tensor, w1: Tensor, w2: Tensor) => {
      const weights = { 0: { 0: { w: w1, b: w[0][0].b }, 1: {}, 2: { w: w2, b: w[0][2].b } } };
      const out = layer.pureFn([x1, x2], weights, layer.state, K)[0] as Tensor[];
      return out[0]!.mul(out[0]!).add(out[1]!);
    };
    expectGradientsMatchFiniteDifferences(f, [randn(1, [2, 3]), randn(2, [2, 3]), w[0][0].w, w[0][2].w]);
  });
});
