import { tf } from '../../src/backend/tf.js';
import { LayerNorm } from '../../src/layers/core/index.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from './layer_checks.js';

/** The plain composition of tfjs ops, differentiated by tfjs: the reference for the hand-written gradient. */
function referenceLayerNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon: number): Tensor {
  const mean = x.mean(-1, true);
  const variance = x.sub(mean).square().mean(-1, true);
  return x.sub(mean).div(variance.add(epsilon).sqrt()).mul(scale).add(bias);
}

describeOnBackends('LayerNorm', () => {
  test('weights are scale (ones) and bias (zeros) over the last axis; output signature matches', () => {
    const layer = LayerNorm();
    const { weights } = layer.init(shapeDtype([2, 3, 5]));
    expect(Array.from((weights['scale'] as Tensor).dataSync())).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from((weights['bias'] as Tensor).dataSync())).toEqual([0, 0, 0, 0, 0]);
    expect(expectSignatureMatchesOutput(LayerNorm(), randn([2, 3, 5], 1))).toEqual(shapeDtype([2, 3, 5]));
  });

  test('hand-computed value: [1, 2, 3] has mean 2 and variance 2/3, so it normalises to [-1.2247, 0, 1.2247]', () => {
    const layer = LayerNorm();
    layer.init(shapeDtype([1, 3]));
    const s = Math.sqrt(3 / 2); // 1 / sqrt(2/3)
    expectClose(layer.call(tf.tensor2d([[1, 2, 3]])) as Tensor, [[-s, 0, s]], 1e-5);
    layer.weights = { scale: tf.tensor1d([2, 2, 2]), bias: tf.tensor1d([1, 1, 1]) };
    expectClose(layer.call(tf.tensor2d([[1, 2, 3]])) as Tensor, [[1 - 2 * s, 1, 1 + 2 * s]], 1e-5);
  });

  test('gradients match finite differences (input, scale, bias) with non-trivial scale and bias', () => {
    const layer = LayerNorm();
    layer.init(shapeDtype([2, 3, 4]));
    layer.weights = { scale: randn([4], 7).add(1), bias: randn([4], 8) };
    expectLayerGradientsMatch(layer, randn([2, 3, 4], 2, 2));
  });

  test("the hand-written backward pass equals tfjs's automatic gradient of the same function", () => {
    const layer = LayerNorm({ epsilon: 1e-3 });
    layer.init(shapeDtype([3, 6]));
    const x = randn([3, 6], 11);
    const scale = randn([6], 12);
    const bias = randn([6], 13);
    const probe = randn([3, 6], 14);
    const ours = tf.grads((a: Tensor, s: Tensor, b: Tensor) =>
      (layer.pureFn(a, { scale: s, bias: b }, {}, [0, 0])[0] as Tensor).mul(probe).sum(),
    )([x, scale, bias]);
    const reference = tf.grads((a: Tensor, s: Tensor, b: Tensor) => referenceLayerNorm(a, s, b, 1e-3).mul(probe).sum())([x, scale, bias]);
    ours.forEach((g, i) => expectClose(g, reference[i]!, 1e-4));
  });

  test('a constant row (zero variance) gives the bias, not NaN', () => {
    const layer = LayerNorm();
    layer.init(shapeDtype([1, 4]));
    expectClose(layer.call(tf.fill([1, 4], 3)) as Tensor, [[0, 0, 0, 0]]);
  });

  test('a wrong depth gives a LayerError naming LayerNorm', () => {
    const layer = LayerNorm();
    layer.init(shapeDtype([2, 4]));
    expect(() => layer.call(tf.zeros([2, 5]))).toThrow(LayerError);
    expect(() => layer.call(tf.zeros([2, 5]))).toThrow(/LayerNorm.*depth 5/);
  });
});
