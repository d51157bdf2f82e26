import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { PaddingMask, PositionalEncoding, ShiftRight, sinusoidalTable } from '../../src/layers/core/index.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from './layer_checks.js';

describeOnBackends('ShiftRight', () => {
  test('shifts axis 1 right, padding with zeros: [[1, 2, 3]] -> [[0, 1, 2]]', () => {
    const layer = ShiftRight();
    expect(layer.name).toBe('ShiftRight(1)');
    expect(
      Array.from(
        (
          layer.call(
            tf.tensor2d(
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              undefined,
              'int32',
            ),
          ) as Tensor
        ).dataSync(),
      ),
    ).toEqual([0, 1, 2, 0, 4, 5]);
    expectClose(
      ShiftRight(2).call(
        tf.tensor3d([
          [
            [1, 1],
            [2, 2],
            [3, 3],
          ],
        ]),
      ) as Tensor,
      tf.tensor3d([
        [
          [0, 0],
          [0, 0],
          [1, 1],
        ],
      ]),
    );
    expectClose(ShiftRight(5).call(tf.tensor2d([[1, 2, 3]])) as Tensor, [[0, 0, 0]]);
  });

  test('keeps the shape (signature) and its gradient matches finite differences', () => {
    expect(expectSignatureMatchesOutput(ShiftRight(), randn([2, 4, 3], 1))).toEqual(shapeDtype([2, 4, 3]));
    expect(expectSignatureMatchesOutput(ShiftRight(), tf.zeros([2, 4], 'int32'))).toEqual(shapeDtype([2, 4], 'int32'));
    expectLayerGradientsMatch(ShiftRight(), randn([2, 4, 3], 2));
  });

  test("is the identity in 'predict' mode, given to the constructor or set on a model", () => {
    const x = tf.tensor2d([[1, 2, 3]]);
    expectClose(ShiftRight(1, 'predict').call(x) as Tensor, [[1, 2, 3]]);
    const model = Serial(ShiftRight());
    model.mode = 'predict';
    expectClose(model.call(x) as Tensor, [[1, 2, 3]]);
    model.mode = 'eval';
    expectClose(model.call(x) as Tensor, [[0, 1, 2]]);
  });

  test('a rank-1 input is a LayerError', () => {
    expect(() => ShiftRight().call(tf.zeros([3]))).toThrow(LayerError);
  });
});

describeOnBackends('PaddingMask', () => {
  test('maps ids [B, L] to a boolean mask [B, 1, 1, L], false at padding', () => {
    const layer = PaddingMask();
    expect(layer.name).toBe('PaddingMask(0)');
    const ids = tf.tensor2d(
      [
        [5, 3, 0, 0],
        [1, 0, 2, 0],
      ],
      undefined,
      'int32',
    );
    expect(expectSignatureMatchesOutput(layer, ids)).toEqual(shapeDtype([2, 1, 1, 4], 'bool'));
    const mask = layer.call(ids) as Tensor;
    expect(mask.dtype).toBe('bool');
    expect(mask.arraySync()).toEqual([[[[1, 1, 0, 0]]], [[[1, 0, 1, 0]]]]);
    expect((PaddingMask(5).call(ids) as Tensor).arraySync()).toEqual([[[[0, 1, 1, 1]]], [[[1, 1, 1, 1]]]]);
  });

  test('refuses ids that are not [batch, length]', () => {
    expect(() => PaddingMask().init(shapeDtype([2, 3, 4], 'int32'))).toThrow(/PaddingMask\(0\).*\[batch, length\]/);
  });
});

describeOnBackends('PositionalEncoding', () => {
  test('the table is Trax sin/cos: row 0 is [0, 1, 0, 1], row 1 is [sin 1, cos 1, sin 0.01, cos 0.01] for D = 4', () => {
    // Column 2k uses frequency 10000^(-2k/D): 1 for k = 0 and 10000^(-1/2) = 0.01 for k = 1.
    const table = sinusoidalTable(3, 4);
    expectClose(table.slice([0, 0], [1, 4]), [[0, 1, 0, 1]], 1e-7);
    expectClose(table.slice([1, 0], [1, 4]), [[Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01)]], 1e-7);
    // An odd depth has one more sine column than cosine columns.
    expectClose(sinusoidalTable(2, 3).slice([1, 0], [1, 3]), [[Math.sin(1), Math.cos(1), Math.sin(10000 ** (-2 / 3))]], 1e-7);
  });

  test('adds the first L rows of its trainable table {w: [maxLen, D]} to inputs [B, L, D]', () => {
    const layer = PositionalEncoding({ maxLen: 8 });
    const x = tf.zeros([2, 3, 4]);
    expect(expectSignatureMatchesOutput(layer, x)).toEqual(shapeDtype([2, 3, 4]));
    expect((layer.weights['w'] as Tensor).shape).toEqual([8, 4]);
    const y = layer.call(x) as Tensor;
    expectClose(y.slice([1, 0, 0], [1, 3, 4]).reshape([3, 4]), sinusoidalTable(3, 4));
  });

  test('gradients match finite differences (input and table)', () => {
    const layer = PositionalEncoding({ maxLen: 5 });
    layer.init(shapeDtype([2, 3, 4]));
    expectLayerGradientsMatch(layer, randn([2, 3, 4], 3));
  });

  test('dropout (train mode only) zeroes whole feature columns of the code, shared by all positions', () => {
    const layer = PositionalEncoding({ maxLen: 6, dropout: 0.5 });
    layer.init(shapeDtype([1, 6, 32]));
    const code = (layer.pureFn(tf.zeros([1, 6, 32]), layer.weights, layer.state, makeKey(2))[0] as Tensor).reshape([6, 32]);
    const table = layer.weights['w'] as Tensor;
    // Row 0 of the table has zeros (sin 0), so the mask is read from the ratios of rows 1 to 5.
    const ratio = (code.div(table).arraySync() as number[][]).slice(1);
    for (const row of ratio) row.forEach((r, j) => expect(r).toBeCloseTo(ratio[0]![j]!, 3));
    expect(new Set(ratio[0]!.map((r) => Math.round(r)))).toEqual(new Set([0, 2]));
    layer.mode = 'eval';
    expectClose(layer.pureFn(tf.zeros([1, 6, 32]), layer.weights, layer.state, makeKey(2))[0] as Tensor, table.reshape([1, 6, 32]));
  });

  test("in 'predict' mode, consecutive calls add consecutive rows (state index)", () => {
    const layer = PositionalEncoding({ maxLen: 4, mode: 'predict' });
    const { state } = layer.init(shapeDtype([1, 1, 2]));
    expect(flat(state['index'] as Tensor)).toEqual([0]);
    const first = layer.call(tf.zeros([1, 1, 2])) as Tensor;
    const second = layer.call(tf.zeros([1, 1, 2])) as Tensor;
    expectClose(first, [[[0, 1]]], 1e-6);
    expectClose(second, [[[Math.sin(1), Math.cos(1)]]], 1e-6);
    expect(flat(layer.state['index'] as Tensor)).toEqual([2]);
  });

  test('a sequence longer than maxLen is a LayerError naming PositionalEncoding', () => {
    const layer = PositionalEncoding({ maxLen: 2 });
    expect(() => layer.init(shapeDtype([1, 3, 4]))).toThrow(LayerError);
    expect(() => layer.init(shapeDtype([1, 3, 4]))).toThrow(/PositionalEncoding.*exceeds maxLen 2/);
  });
});
