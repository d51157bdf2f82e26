import { tf } from '../../src/backend/tf.js';
import { Embedding, embeddingLookup } from '../../src/layers/core/index.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput } from './layer_checks.js';

const ids = (rows: number[][]) => tf.tensor2d(rows, undefined, 'int32');

describeOnBackends('Embedding', () => {
  test('is named Embedding_<vocab>_<d> with weights w [vocab, d], initialised as Trax (|w| <= sqrt(3/d))', () => {
    const layer = Embedding(10, 4);
    expect(layer.name).toBe('Embedding_10_4');
    const { weights } = layer.init(shapeDtype([2, 3], 'int32'));
    const w = weights['w'] as Tensor;
    expect(w.shape).toEqual([10, 4]);
    const lim = Math.sqrt(3 / 4);
    expect(Math.max(...Array.from(w.dataSync(), Math.abs))).toBeLessThanOrEqual(lim);
  });

  test.each([[[5]], [[2, 3]], [[2, 2, 3]]])('output signature matches the output for ids %j', (shape) => {
    const x = tf.zeros(shape, 'int32');
    expect(expectSignatureMatchesOutput(Embedding(7, 3), x)).toEqual(shapeDtype([...shape, 3]));
  });

  test('hand-computed value: ids pick rows of the table', () => {
    const layer = Embedding(3, 2);
    layer.init(shapeDtype([2, 2], 'int32'));
    layer.weights = {
      w: tf.tensor2d([
        [0, 1],
        [10, 11],
        [20, 21],
      ]),
    };
    expectClose(
      layer.call(
        ids([
          [2, 0],
          [1, 1],
        ]),
      ) as Tensor,
      tf.tensor3d([
        [
          [20, 21],
          [0, 1],
        ],
        [
          [10, 11],
          [10, 11],
        ],
      ]),
    );
  });

  test('the gradient sums the output gradients of repeated ids (scatter-add), and matches finite differences', () => {
    const table = tf.tensor2d([
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    const x = ids([
      [1, 3, 1],
      [1, 0, 3],
    ]);
    const g = tf.grad((t: Tensor) =>
      embeddingLookup(t, x)
        .mul(tf.tensor1d([1, 10]))
        .sum(),
    )(table);
    // id 0 once, id 1 three times, id 2 never, id 3 twice.
    expectClose(g, [
      [1, 10],
      [3, 30],
      [0, 0],
      [2, 20],
    ]);
    const layer = Embedding(5, 3);
    layer.init(shapeDtype([2, 3], 'int32'), { seed: 4 });
    expectLayerGradientsMatch(
      layer,
      ids([
        [1, 4, 1],
        [0, 2, 4],
      ]),
    );
  });

  test('the gradient is fast for a real vocabulary (8000 x 64, 2048 ids) on this backend', () => {
    const table = tf.zeros([8000, 64]);
    const x = tf.tensor1d(
      Array.from({ length: 2048 }, (_, i) => (i * 7919) % 8000),
      'int32',
    );
    const start = Date.now();
    const g = tf.tidy(() => tf.grad((t: Tensor) => embeddingLookup(t, x).sum())(table));
    expect(g.sum().dataSync()[0]).toBeCloseTo(2048 * 64, 0);
    expect(Date.now() - start).toBeLessThan(3000);
    tf.dispose([table, x, g]);
  });

  test('refuses float ids and out-of-range ids with a LayerError naming the layer', () => {
    const layer = Embedding(3, 2);
    expect(() => layer.init(shapeDtype([2], 'float32'))).toThrow(/Embedding_3_2.*ids must be int32/);
    layer.init(shapeDtype([2], 'int32'));
    expect(() => layer.call(tf.tensor1d([0, 1]))).toThrow(LayerError);
    expect(() => layer.call(tf.tensor1d([0, 3], 'int32'))).toThrow(/id 3 .*outside the vocabulary \[0, 3\)/);
    expect(() => layer.call(tf.tensor1d([-1, 0], 'int32'))).toThrow(/id -1/);
    const unchecked = Embedding(3, 2, { checkIds: false });
    unchecked.init(shapeDtype([1], 'int32'));
    expect(unchecked.pureFn(tf.tensor1d([1], 'int32'), unchecked.weights, {}, makeKey(0))[0]).toBeInstanceOf(tf.Tensor);
  });
});
