import { tf } from '../../src/backend/tf.js';
import { LocallyConnected1d } from '../../src/layers/core/index.js';
import { Zeros } from '../../src/layers/initializers.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from './layer_checks.js';

// w[p, k] for L = 3, kernel 3, D = F = 1: position p's weight in window slot k is 10 (p + 1) + k.
const kernel = () => tf.tensor4d([10, 11, 12, 20, 21, 22, 30, 31, 32], [3, 3, 1, 1]);
const x = () => tf.tensor2d([[1], [2], [3]]);

describeOnBackends('LocallyConnected1d', () => {
  test('shapes: [B, L, D] -> [B, L, F] (SAME, WRAP) and [B, L - K + 1, F] (VALID); weights per position', () => {
    for (const padding of ['SAME', 'WRAP'] as const) {
      const layer = LocallyConnected1d(6, 3, { padding });
      expect(expectSignatureMatchesOutput(layer, randn([2, 5, 4], 1))).toEqual(shapeDtype([2, 5, 6]));
      expect(layer.name).toBe('LocallyConnected1d_6_3');
      expect((layer.weights['w'] as Tensor).shape).toEqual([5, 3, 4, 6]);
      expect((layer.weights['b'] as Tensor).shape).toEqual([5, 6]);
    }
    const valid = LocallyConnected1d(6, 3);
    expect(expectSignatureMatchesOutput(valid, randn([2, 7, 5, 4], 2))).toEqual(shapeDtype([2, 7, 3, 6]));
    expect((valid.weights['b'] as Tensor).shape).toEqual([3, 6]);
    expect(Object.keys(LocallyConnected1d(2, 1, { useBias: false }).init(shapeDtype([4, 3])).weights)).toEqual(['w']);
    expect(() => LocallyConnected1d(2, 2)).toThrow(/odd/);
    expect(() => LocallyConnected1d(2, 5).init(shapeDtype([3, 2]))).toThrow(/at least kernelSize/);
    expect(() => LocallyConnected1d(2, 3, { padding: 'SAME' }).init(shapeDtype([3, 2], 'int32'))).toThrow();
  });

  test('hand-computed values for SAME, WRAP and VALID, and the bias', () => {
    const run = (padding: 'SAME' | 'WRAP' | 'VALID', useBias = false) => {
      const layer = LocallyConnected1d(1, 3, { padding, useBias });
      layer.init(shapeDtype([3, 1]));
      const weights: Weights = useBias
        ? { w: kernel(), b: tf.tensor2d([[100], [200], [300]].slice(0, padding === 'VALID' ? 1 : 3)) }
        : { w: kernel() };
      return layer.pureFn(x(), weights, {}, makeKey(0))[0] as Tensor;
    };
    // SAME: y[o] = sum_k x[o - 1 + k] w[o - 1 + k, k], zero outside: [1*11 + 2*22, 1*10 + 2*21 + 3*32, 2*20 + 3*31].
    expectClose(run('SAME'), [[55], [148], [133]]);
    // WRAP adds the wrapped terms 3*w[2, 0] = 90 at o = 0 and 1*w[0, 2] = 12 at o = 2.
    expectClose(run('WRAP'), [[145], [148], [145]]);
    // VALID: y[0] = sum_k x[2 - k] w[2 - k, k] = 3*30 + 2*21 + 1*12.
    expectClose(run('VALID'), [[144]]);
    expectClose(run('SAME', true), [[155], [348], [433]]);
    expectClose(run('VALID', true), [[244]]);
  });

  test('kernel size 1 is a separate dense map at every position', () => {
    const layer = LocallyConnected1d(2, 1, { padding: 'WRAP', useBias: false });
    layer.init(shapeDtype([2, 1]));
    const w = tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]);
    expectClose(layer.pureFn(tf.tensor2d([[5], [7]]), { w }, {}, makeKey(0))[0] as Tensor, [
      [5, 10],
      [21, 28],
    ]);
  });

  test('the default kernel is Glorot uniform over each position: |w| <= sqrt(6 / ((D + F) K))', () => {
    const layer = LocallyConnected1d(8, 3, { padding: 'SAME' });
    layer.init(shapeDtype([16, 4]));
    const w = Array.from((layer.weights['w'] as Tensor).dataSync());
    const limit = Math.sqrt(6 / ((4 + 8) * 3));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    const zeros = LocallyConnected1d(2, 3, { kernelInitializer: Zeros() });
    zeros.init(shapeDtype([4, 2]));
    expect(Array.from((zeros.weights['w'] as Tensor).dataSync()).every((v) => v === 0)).toBe(true);
  });

  test('a forward pass leaves only its output behind', () => {
    const layer = LocallyConnected1d(3, 3, { padding: 'SAME' });
    layer.init(shapeDtype([2, 4, 2]));
    const input = randn([2, 4, 2], 5);
    const before = tf.memory().numTensors;
    const y = layer.call(input) as Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
  });

  test('gradients match finite differences (inputs and weights, each padding)', () => {
    for (const padding of ['SAME', 'WRAP', 'VALID'] as const) {
      const layer = LocallyConnected1d(3, 3, { padding });
      const input = randn([2, 4, 2], 3);
      layer.init(shapeDtype([2, 4, 2]), { seed: 4 });
      expectLayerGradientsMatch(layer, input);
    }
  });
});
