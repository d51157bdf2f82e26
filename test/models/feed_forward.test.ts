import { tf } from '../../src/backend/tf.js';
import { Relu } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { FeedForward } from '../../src/models/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput } from '../layers/layer_checks.js';
import { lossGrads, maxAbsDiff, randn } from '../reversible/helpers.js';

describeOnBackends('FeedForward', () => {
  test('shape and layers: LayerNorm, Dense, Dropout, activation, Dense, Dropout', () => {
    const ff = FeedForward({ dModel: 6, dFf: 10, dropout: 0.1 });
    expect(ff.toString()).toBe(
      ['FeedForward[', '  LayerNorm', '  Dense_10', '  Dropout', '  FastGelu', '  Dense_6', '  Dropout', ']'].join('\n'),
    );
    expect(expectSignatureMatchesOutput(ff, randn(1, [2, 5, 6]))).toEqual(shapeDtype([2, 5, 6]));
  });

  test('chunked equals unchunked (eval mode, and train mode without dropout)', () => {
    for (const [mode, dropout] of [
      ['eval', 0.3],
      ['train', 0],
    ] as const) {
      const plain = FeedForward({ dModel: 6, dFf: 12, dropout, activation: 'relu', mode });
      const chunked = FeedForward({ dModel: 6, dFf: 12, dropout, activation: 'relu', chunkSize: 4, mode });
      expect(chunked.name).toBe('BatchLeadingAxes_Chunk');
      const x = randn(2, [2, 6, 6]);
      plain.init(shapeDtype([2, 6, 6]), { seed: 4 });
      chunked.init(shapeDtype([2, 6, 6]), { seed: 4 });
      // Same weights (the chunked block's are one level deeper).
      chunked.weights = { 0: { 0: plain.weights } };
      const a = plain.pureFn(x, plain.weights, plain.state, makeKey(5))[0] as Tensor;
      const b = chunked.pureFn(x, chunked.weights, chunked.state, makeKey(5))[0] as Tensor;
      expect(maxAbsDiff([a], [b])).toBeLessThan(1e-6);
      const ga = lossGrads(plain, [x], plain.weights, plain.state, makeKey(5));
      const gb = lossGrads(chunked, [x], chunked.weights, chunked.state, makeKey(5));
      expect(maxAbsDiff(ga, gb)).toBeLessThan(1e-5);
    }
  });

  test('hand-computed: with identity-like weights the block is LayerNorm -> relu', () => {
    const ff = FeedForward({ dModel: 2, dFf: 2, activation: () => Relu(), dropout: 0 });
    ff.init(shapeDtype([1, 1, 2]));
    const eye = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    ff.weights = { 0: ff.weights[0]!, 1: { w: eye, b: tf.zeros([2]) }, 2: {}, 3: {}, 4: { w: eye, b: tf.zeros([2]) }, 5: {} };
    // LayerNorm([3, 1]) = [1, -1] (up to epsilon) -> relu -> [1, 0]
    const y = ff.call(tf.tensor3d([[[3, 1]]])) as Tensor;
    expect(maxAbsDiff([y], [tf.tensor3d([[[1, 0]]])])).toBeLessThan(1e-4);
  });

  test('gradients match finite differences', () => {
    const ff = FeedForward({ dModel: 4, dFf: 6, dropout: 0.2, activation: 'gelu' });
    ff.init(shapeDtype([2, 3, 4]), { seed: 1 });
    expectLayerGradientsMatch(ff, randn(3, [2, 3, 4]), { rng: makeKey(2) });
  });

  test('refuses bad settings', () => {
    expect(() => FeedForward({ dModel: 4, dFf: 0 })).toThrow(/dFf must be an integer >= 1/);
    expect(() => FeedForward({ dModel: 4, dFf: 4, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => FeedForward({ dModel: 4, dFf: 4, activation: 'swish' as never })).toThrow(/unknown ffActivation 'swish'/);
  });
});
