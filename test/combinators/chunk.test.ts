import { tf } from '../../src/backend/tf.js';
import { Chunk } from '../../src/combinators/chunk.js';
import { Serial } from '../../src/combinators/serial.js';
import { Add } from '../../src/combinators/arithmetic.js';
import { Dense, FastGelu, LayerNorm } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import { mapTree, treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';

describeOnBackends('Chunk', () => {
  test('has the arity of its layer and the same output signature', () => {
    const two = Chunk(Add(), 2);
    expect([two.nIn, two.nOut, two.name]).toEqual([2, 1, 'Chunk']);
    expect(expectSignatureMatchesOutput(Chunk(Dense(3), 2), randn([6, 4, 5], 1))).toEqual(shapeDtype([6, 4, 3]));
    expect(expectSignatureMatchesOutput(two, [randn([4, 3], 2), randn([4, 3], 3)])).toEqual(shapeDtype([4, 3]));
  });

  test('equals the unchunked layer numerically, and its gradient equals the unchunked gradient', () => {
    const inner = Serial(Dense(4), FastGelu(), LayerNorm());
    const chunked = Chunk(inner, 2);
    chunked.init(shapeDtype([6, 3]), { seed: 5 });
    const x = randn([6, 3], 6);
    const whole = inner.pureFn(x, inner.weights, inner.state, makeKey(0))[0] as Tensor;
    expectClose(chunked.call(x) as Tensor, whole, 1e-6);
    const leaves = treeLeaves(chunked.weights);
    const lossOf =
      (layer: typeof inner | typeof chunked) =>
      (...ws: Tensor[]) => {
        const weights = mapTree(layer.weights, (t) => ws[leaves.indexOf(t)]!);
        return (layer.pureFn(x, weights, layer.state, makeKey(0))[0] as Tensor).square().sum();
      };
    const gChunked = tf.grads(lossOf(chunked))(leaves);
    const gWhole = tf.grads(lossOf(inner))(leaves);
    gChunked.forEach((g, i) => expectClose(g, gWhole[i]!, 1e-5));
    expectLayerGradientsMatch(chunked, x);
  });

  test('several inputs are chunked together; a batch chunkSize does not divide runs unchunked', () => {
    const layer = Chunk(
      Fn('MulAdd', (a, b) => a.mul(b).add(1)),
      2,
    );
    const a = tf.tensor2d([[1], [2], [3], [4]]);
    const b = tf.tensor2d([[5], [6], [7], [8]]);
    expectClose(layer.call([a, b]) as Tensor, [[6], [13], [22], [33]]);
    const odd = Chunk(
      Fn('Double', (x) => x.mul(2)),
      2,
    );
    expectClose(odd.call(tf.tensor1d([1, 2, 3])) as Tensor, [2, 4, 6]);
  });

  test('a wrong input shape is a LayerError with the path Chunk/0/Dense_3', () => {
    const layer = Chunk(Dense(3), 2);
    layer.init(shapeDtype([4, 5]));
    let caught: unknown;
    try {
      layer.call(tf.zeros([4, 6]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LayerError);
    expect((caught as LayerError).path).toEqual(['Chunk', '0', 'Dense_3']);
    expect(() => Chunk(Dense(3), -1)).toThrow(RangeError);
    expect(() => Chunk(Dense(3), 1.5)).toThrow(RangeError);
  });
});
