import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LayerNorm, LogSoftmax, Relu } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import { mapTree, treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';

describeOnBackends('no tensor leaks', () => {
  test('100 forward + backward passes leave tf.memory() unchanged', () => {
    const model = Serial(Embedding(30, 8), Dense(16), Relu(), LayerNorm(), Dense(30), LogSoftmax());
    model.init(shapeDtype([4, 5], 'int32'), { seed: 1 });
    const ids = tf.tensor2d(
      Array.from({ length: 20 }, (_, i) => (i * 7) % 30),
      [4, 5],
      'int32',
    );
    const targets = tf.oneHot(
      tf.tensor2d(
        Array.from({ length: 20 }, (_, i) => (i * 11) % 30),
        [4, 5],
        'int32',
      ),
      30,
    );
    const leaves = treeLeaves(model.weights);
    const state = model.state;
    const loss = (...ws: Tensor[]): tf.Scalar => {
      const weights = mapTree(model.weights, (t) => ws[leaves.indexOf(t)]!);
      const logProbs = model.pureFn(ids, weights, state, makeKey(0))[0] as Tensor;
      return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, targets), -1)));
    };
    const step = (): number => {
      const { value, grads } = tf.valueAndGrads(loss)(leaves);
      const v = value.dataSync()[0]!;
      expect(grads).toHaveLength(leaves.length);
      tf.dispose([value, ...grads]);
      return v;
    };
    const first = step(); // warm-up: any one-time allocation (kernel set-up) happens here
    const before = tf.memory();
    for (let i = 0; i < 100; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(Number.isFinite(first)).toBe(true);
    tf.dispose([ids, targets]);
  });
});
