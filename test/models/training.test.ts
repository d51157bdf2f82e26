import { tf } from '../../src/backend/tf.js';
import { Dup } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LogSoftmax } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import { mapTree, treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { foldIn, makeKey } from '../../src/rng/key.js';
import { ReformerEncoder } from '../../src/models/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { ids } from './helpers.js';

describeOnBackends('a reversible tagger trains', () => {
  test('Serial(Dup, Embedding, ReformerEncoder, Dense, LogSoftmax) learns to tag tokens by their neighbour (SGD, 40 steps)', () => {
    const tagger = Serial(
      Dup(),
      Embedding(8, 16),
      ReformerEncoder({ dModel: 16, dFf: 32, nLayers: 2, nHeads: 2, dropout: 0.05, maxLen: 8 }),
      Dense(2),
      LogSoftmax(),
    );
    tagger.init(shapeDtype([4, 6], 'int32'), { seed: 3 });
    const tokens = ids([
      [1, 2, 3, 4, 0, 0],
      [5, 6, 7, 1, 2, 0],
      [3, 3, 5, 7, 1, 6],
      [2, 4, 6, 1, 0, 0],
    ]);
    // Tag: whether the previous token is odd (needs attention); padding weighs 0.
    const tagsOf = (row: number[]) => row.map((_, i) => (i > 0 && row[i - 1]! % 2 === 1 ? 1 : 0));
    const rows = tokens.arraySync() as number[][];
    const targets = tf.oneHot(tf.tensor2d(rows.map(tagsOf), [4, 6], 'int32'), 2);
    const weights = tf.notEqual(tokens, 0).cast('float32');
    let w = tagger.weights;
    const lossAt = (ws: typeof w, step: number) => {
      const logp = tagger.pureFn(tokens, ws, tagger.state, foldIn(makeKey(1), step))[0] as Tensor;
      return tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(logp, targets), -1), weights))).div(tf.sum(weights));
    };
    const losses: number[] = [];
    for (let step = 0; step < 40; step++) {
      const leaves = treeLeaves(w);
      const { value, grads } = tf.tidy(() =>
        tf.valueAndGrads((...ls: Tensor[]) =>
          lossAt(
            mapTree(w, (t) => ls[leaves.indexOf(t)]!),
            step,
          ),
        )(leaves),
      );
      losses.push(value.dataSync()[0]!);
      const next = new Map(leaves.map((l, i) => [l, tf.tidy(() => tf.sub(l, tf.mul(grads[i]!, 0.3)))]));
      w = mapTree(w, (t) => next.get(t)!);
      tf.dispose([value, ...grads]);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[39]!).toBeLessThan(0.5 * losses[0]!);
  });
});
