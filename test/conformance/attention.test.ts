/**
 * Trax's attention tests (trax/layers/attention_test.py at google/trax 7c189c2c), one test per Trax test: shapes,
 * ShiftRight, PaddingMask, CausalAttention's determinism and predict mode, PositionalEncoding.
 */
import { tf } from '../../src/backend/tf.js';
import { CausalAttention } from '../../src/attention/index.js';
import type { Layer } from '../../src/core/base.js';
import { PaddingMask, PositionalEncoding, ShiftRight } from '../../src/layers/core/index.js';
import { shapeDtype, signatureOf } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { asList } from './helpers.js';

const shiftInput = () => [
  [
    [9, 9, 9],
    [8, 8, 8],
    [7, 7, 7],
    [6, 6, 6],
  ],
  [
    [99, 98, 97],
    [96, 95, 94],
    [93, 92, 91],
    [90, 89, 88],
  ],
];

/** Trax's test_utils.test_eval_equals_predict: eval on the whole input, predict on its first 3 positions, then one at a time. */
function expectEvalEqualsPredict(make: (mode: 'eval' | 'predict') => Layer, x: Tensor, initTokens = 3): void {
  const evalModel = make('eval');
  const predictModel = make('predict');
  evalModel.init(signatureOf(x));
  predictModel.init(signatureOf(x));
  predictModel.weights = evalModel.weights;
  const rng = makeKey(0);
  const whole = evalModel.call(x, { rng }) as Tensor;
  const length = x.shape[1]!;
  const pieces: [number, number][] = [[0, initTokens]];
  for (let i = initTokens; i < length; i++) pieces.push([i, i + 1]);
  for (const [start, end] of pieces) {
    const part = (t: Tensor) => tf.slice(t, [0, start, 0], [t.shape[0], end - start, t.shape[2]!]);
    expectClose(predictModel.call(part(x), { rng }) as Tensor, part(whole), 1e-5);
  }
}

describeOnBackends('conformance: attention_test.py', () => {
  describe('AttentionTest', () => {
    // trax/layers/attention_test.py::AttentionTest::test_simple_call
    // CausalAttention takes one input; the mask below it passes through, as items below a Serial's inputs do.
    test('test_simple_call', () => {
      const layer = CausalAttention(4, { nHeads: 2 });
      const x = [
        tf.tensor3d([
          [
            [2, 5, 3, 4],
            [0, 1, 2, 3],
            [0, 1, 2, 3],
          ],
        ]),
        tf.tensor4d([[[[1, 0, 1]]]]),
      ];
      layer.init(signatureOf(x));
      const [y, mask] = layer.call(x) as Tensor[];
      expect(y!.shape).toEqual([1, 3, 4]);
      expect(mask!.shape).toEqual([1, 1, 1, 3]);
    });

    // trax/layers/attention_test.py::AttentionTest::test_shift_right
    test('test_shift_right', () => {
      const x = tf.tensor3d(shiftInput(), undefined, 'int32');
      const y = ShiftRight().call(x) as Tensor;
      expect(y.shape).toEqual(x.shape);
      expect(y.arraySync()).toEqual([
        [
          [0, 0, 0],
          [9, 9, 9],
          [8, 8, 8],
          [7, 7, 7],
        ],
        [
          [0, 0, 0],
          [99, 98, 97],
          [96, 95, 94],
          [93, 92, 91],
        ],
      ]);
    });

    // trax/layers/attention_test.py::AttentionTest::test_shift_right_float
    test('test_shift_right_float', () => {
      const x = tf.div(tf.tensor3d(shiftInput()), 2);
      expect(x.dtype).toBe('float32');
      const y = ShiftRight().call(x) as Tensor;
      expect(y.dtype).toBe('float32');
      expect(y.arraySync()).toEqual([
        [
          [0, 0, 0],
          [4.5, 4.5, 4.5],
          [4, 4, 4],
          [3.5, 3.5, 3.5],
        ],
        [
          [0, 0, 0],
          [49.5, 49, 48.5],
          [48, 47.5, 47],
          [46.5, 46, 45.5],
        ],
      ]);
    });

    // trax/layers/attention_test.py::AttentionTest::test_padding_mask
    test('test_padding_mask', () => {
      const x = tf.tensor2d([
        [1, 2, 3, 4, 0],
        [1, 2, 3, 0, 0],
        [1, 2, 0, 0, 0],
      ]);
      const y = PaddingMask().call(x) as Tensor;
      expect(x.shape).toEqual([3, 5]);
      expect(y.shape).toEqual([3, 1, 1, 5]);
      expect(y.dtype).toBe('bool');
      expect(asList(y)).toEqual([[[[1, 1, 1, 1, 0]]], [[[1, 1, 1, 0, 0]]], [[[1, 1, 0, 0, 0]]]]);
    });

    // Trax's PaddingMask(pad=0): the argument is the id of padding.
    test('PaddingMask(pad) masks that id', () => {
      const y = PaddingMask(7).call(tf.tensor2d([[1, 7, 7]], undefined, 'int32')) as Tensor;
      expect(asList(y)).toEqual([[[[1, 0, 0]]]]);
      expect(String(PaddingMask(7))).toBe('PaddingMask(7)');
    });
  });

  describe('CausalAttentionTest', () => {
    // trax/layers/attention_test.py::CausalAttentionTest::test_simple_call
    test('test_simple_call', () => {
      const layer = CausalAttention(4, { nHeads: 2 });
      const x = tf.tensor3d([
        [
          [2, 5, 3, 4],
          [0, 1, 2, 3],
          [0, 1, 2, 3],
        ],
      ]);
      layer.init(signatureOf(x));
      expect((layer.call(x) as Tensor).shape).toEqual([1, 3, 4]);
    });

    // trax/layers/attention_test.py::CausalAttentionTest::test_deterministic_eval
    // Trax's test_utils.test_eval_is_deterministic: two eval models with the same weights, called with the same
    // key, agree.
    test('test_deterministic_eval', () => {
      const x = tf.ones([1, 3, 32]);
      const [a, b] = [CausalAttention(32, { nHeads: 4, mode: 'eval' }), CausalAttention(32, { nHeads: 4, mode: 'eval' })];
      a.init(signatureOf(x));
      b.init(signatureOf(x), { seed: 9 });
      b.weights = a.weights;
      expectClose(b.call(x, { rng: makeKey(0) }) as Tensor, a.call(x, { rng: makeKey(0) }) as Tensor, 1e-5);
    });

    // trax/layers/attention_test.py::CausalAttentionTest::test_predict_equals_eval
    test('test_predict_equals_eval', () => {
      expectEvalEqualsPredict((mode) => CausalAttention(32, { nHeads: 4, mode }), tf.ones([1, 10, 32]));
    });
  });

  describe('PositionalEncodingTest', () => {
    const x4 = () =>
      tf.tensor3d([
        [
          [2, 3],
          [1, 2],
          [0, 1],
          [3, 4],
        ],
      ]);

    // trax/layers/attention_test.py::PositionalEncodingTest::test_simple_call
    test('test_simple_call', () => {
      const layer = PositionalEncoding({ maxLen: 8 });
      const x = tf.tensor3d([
        [
          [2, 3, 4, 5],
          [1, 2, 3, 4],
        ],
      ]);
      layer.init(signatureOf(x));
      expect((layer.call(x) as Tensor).shape).toEqual([1, 2, 4]);
    });

    // trax/layers/attention_test.py::PositionalEncodingTest::test_predict
    test('test_predict', () => {
      const x = x4();
      expect(x.shape).toEqual([1, 4, 2]);
      const evalLayer = PositionalEncoding({ maxLen: 8 });
      evalLayer.init(signatureOf(x));
      const y = evalLayer.call(x) as Tensor;
      expect(y.shape).toEqual([1, 4, 2]);
      const layer = PositionalEncoding({ maxLen: 8, mode: 'predict' });
      layer.init(shapeDtype([1, 1, 2]));
      const span = (t: Tensor, start: number, end: number) => tf.slice(t, [0, start, 0], [1, end - start, 2]);
      for (const [start, end] of [
        [0, 1],
        [1, 3],
        [3, 4],
      ] as const) {
        const part = layer.call(span(x, start, end)) as Tensor;
        expect(part.shape).toEqual([1, end - start, 2]);
        expect(part.arraySync()).toEqual(span(y, start, end).arraySync());
      }
    });

    // trax/layers/attention_test.py::PositionalEncodingTest::test_predict_equals_eval
    // Ported without Trax's d_feature option (a learnt projection of the position code), which trax-ts's
    // PositionalEncoding does not have; the table has the input's depth.
    test('test_predict_equals_eval', () => {
      const x = x4();
      const layerEval = PositionalEncoding({ maxLen: 8, mode: 'eval' });
      layerEval.init(signatureOf(x));
      const outputEval = layerEval.call(x) as Tensor;
      const layerPredict = PositionalEncoding({ maxLen: 8, mode: 'predict' });
      layerPredict.init(signatureOf(x));
      layerPredict.weights = layerEval.weights;
      expect((layerPredict.call(x) as Tensor).arraySync()).toEqual(outputEval.arraySync());
    });
  });
});
