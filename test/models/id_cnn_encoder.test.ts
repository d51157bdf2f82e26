/**
 * The iterated dilated CNN encoder: shape, a hand-computed value (dilations, ReLU, SAME padding, masked padding),
 * padding independence, shared or separate block weights, finite-difference gradients, bad settings refused.
 */
import { tf } from '../../src/backend/tf.js';
import type { Layer } from '../../src/core/base.js';
import { shapeDtype } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Tensor } from '../../src/core/types.js';
import { IdCnnEncoder } from '../../src/models/id_cnn_encoder.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';

const ids2d = (rows: number[][]): Tensor => tf.tensor2d(rows, undefined, 'int32');

/** The `i`-th convolution of the encoder's first block (layer 2 of the encoder; ZeroPadding, Conv1d, Relu per dilation). */
const conv = (encoder: Layer, i: number): Layer => encoder.sublayers[2]!.sublayers[3 * i + 1]!;

describeOnBackends('IdCnnEncoder', () => {
  test('x [B, L, d], ids [B, L] -> [B, L, d]; named IdCnnEncoder, a block of three dilated Conv1d', () => {
    const encoder = IdCnnEncoder({ dModel: 8, nBlocks: 2 });
    expect(encoder.name).toBe('IdCnnEncoder');
    const x = randn([3, 11, 8], 1);
    const ids = ids2d([Array(11).fill(4), [...Array(6).fill(3), ...Array(5).fill(0)], Array(11).fill(0)]);
    expect(expectSignatureMatchesOutput(encoder, [x, ids])).toEqual(shapeDtype([3, 11, 8]));
    const dilations = [0, 1, 2].map((i) => (conv(encoder, i) as unknown as { dilations: number[] }).dilations[0]);
    expect(dilations).toEqual([1, 2, 4]);
    // A float mask as the second input gives the same as the ids.
    const mask = tf.cast(tf.notEqual(ids, 0), 'float32');
    expectClose(encoder.call([x, mask]) as Tensor, encoder.call([x, ids]) as Tensor, 0);
  });

  test('hand-computed value: dilations 1 and 2, a bias and the ReLU, padding masked before each convolution', () => {
    const encoder = IdCnnEncoder({ dModel: 1, nBlocks: 1, dilations: [1, 2] });
    encoder.init([shapeDtype([1, 5, 1]), shapeDtype([1, 5], 'int32')]);
    // y1[t] = relu(x[t-1] + x[t] + x[t+1] - 4); y2[t] = relu(y1[t-2] + 10 y1[t] + 100 y1[t+2]); zeros outside.
    conv(encoder, 0).weights = { w: tf.tensor3d([1, 1, 1], [3, 1, 1]), b: tf.tensor1d([-4]) };
    conv(encoder, 1).weights = { w: tf.tensor3d([1, 10, 100], [3, 1, 1]), b: tf.tensor1d([0]) };
    // The last position is padding (id 0): its 50 is set to 0 before the first convolution, so x = [1, 2, 3, 4, 0]:
    // y1 = relu([3, 6, 9, 7, 4] - 4) = [0, 2, 5, 3, 0]; y2 = [0+0+500, 0+20+300, 0+50+0, 2+30+0, padding -> 0].
    const y = encoder.call([tf.tensor3d([1, 2, 3, 4, 50], [1, 5, 1]), ids2d([[7, 7, 7, 7, 0]])]) as Tensor;
    expectClose(y, tf.tensor3d([500, 320, 50, 32, 0], [1, 5, 1]));
  });

  test("a sentence's outputs do not depend on the padding after it in a batch", () => {
    const encoder = IdCnnEncoder({ dModel: 4, nBlocks: 2, mode: 'eval' });
    const x = randn([2, 9, 4], 2);
    const ids = ids2d([
      [5, 6, 7, 8, 9, 0, 0, 0, 0],
      [5, 6, 7, 8, 9, 4, 4, 4, 4],
    ]);
    encoder.init([shapeDtype([2, 9, 4]), shapeDtype([2, 9], 'int32')], { seed: 3 });
    const batched = encoder.call([x, ids]) as Tensor;
    const alone = encoder.call([tf.slice(x, [0, 0, 0], [1, 5, -1]), ids2d([[5, 6, 7, 8, 9]])]) as Tensor;
    expectClose(tf.slice(batched, [0, 0, 0], [1, 5, -1]), alone, 1e-5);
    expectClose(tf.slice(batched, [0, 5, 0], [1, 4, -1]), tf.zeros([1, 4, 4]), 0);
  });

  test("the block's weights are shared by its applications (as in the ID-CNN), or not with shareBlockWeights false", () => {
    const signature = [shapeDtype([1, 6, 4]), shapeDtype([1, 6], 'int32')];
    const shared = IdCnnEncoder({ dModel: 4, nBlocks: 3 });
    shared.init(signature);
    expect(treeLeaves(shared.weights)).toHaveLength(6);
    expect([...namedTensors(shared).keys()].every((p) => p.startsWith('IdCnnEncoder/2/DilatedBlock/'))).toBe(true);
    const separate = IdCnnEncoder({ dModel: 4, nBlocks: 3, shareBlockWeights: false });
    separate.init(signature);
    expect(treeLeaves(separate.weights)).toHaveLength(18);
    expect(namedTensors(separate).has('IdCnnEncoder/6/DilatedBlock/5/Conv/w')).toBe(false);
    expect(namedTensors(separate).has('IdCnnEncoder/6/DilatedBlock/7/Conv/w')).toBe(true);
  });

  test('gradients match finite differences (inputs and every weight, shared block applied twice)', () => {
    const encoder = IdCnnEncoder({ dModel: 3, nBlocks: 2, dilations: [1, 2] });
    const x = randn([2, 6, 3], 4);
    const ids = ids2d([
      [3, 3, 3, 3, 0, 0],
      [3, 3, 3, 3, 3, 3],
    ]);
    encoder.init([shapeDtype(x.shape), shapeDtype(ids.shape, 'int32')], { seed: 5 });
    // A step of 1e-3, not the default 1e-2: the second block reads ReLU outputs, and a larger step crosses their kinks.
    expectLayerGradientsMatch(encoder, [x, ids], { eps: 1e-3, atol: 3e-3 });
  });

  test('bad settings are refused, naming the encoder and the setting', () => {
    expect(() => IdCnnEncoder({ dModel: 0, nBlocks: 1 })).toThrow(/IdCnnEncoder: dModel must be an integer >= 1, got 0/);
    expect(() => IdCnnEncoder({ dModel: 4, nBlocks: 1, dilations: [1, 0] })).toThrow(
      /IdCnnEncoder: dilations must be a non-empty list of positive integers, got \[1,0\]/,
    );
    expect(() => IdCnnEncoder({ dModel: 4, nBlocks: 1, dropout: 1 })).toThrow(/IdCnnEncoder: dropout must be a number in \[0, 1\)/);
    expect(() => IdCnnEncoder({ dModel: 4, nBlocks: 1, heads: 2 } as never)).toThrow(/IdCnnEncoder: unknown setting 'heads'/);
    expect(() => IdCnnEncoder({ dModel: 4, nBlocks: 1 }).init([shapeDtype([1, 6, 4]), shapeDtype([1, 6, 1], 'int32')])).toThrow(
      /RealTokenMask: expected token ids or a mask of shape \[batch, length\]/,
    );
  });
});
