import { tf } from '../../src/backend/tf.js';
import { disposeReplaced } from '../../src/core/tensor_tree.js';

describe('disposeReplaced', () => {
  test('trees: frees the tensors of the old tree that the new one does not hold, a shared one once', () => {
    const [a, b, c, d] = [tf.scalar(1), tf.scalar(2), tf.scalar(3), tf.scalar(4)];
    const before = tf.memory().numTensors;
    // `a` appears twice in the old tree (a shared weight); `b` is carried over into the new one.
    disposeReplaced({ w: a, sub: { v: a, u: b, c } }, { w: b, x: d });
    expect([a.isDisposed, b.isDisposed, c.isDisposed, d.isDisposed]).toEqual([true, false, true, false]);
    expect(tf.memory().numTensors).toBe(before - 2);
    tf.dispose([b, d]);
  });

  test('lists and trees mixed: what `next` holds stays alive, whatever its form', () => {
    const [a, b, c] = [tf.scalar(1), tf.scalar(2), tf.scalar(3)];
    disposeReplaced([a, b, c, a], new Set([c]));
    expect([a.isDisposed, b.isDisposed, c.isDisposed]).toEqual([true, true, false]);
    const e = tf.scalar(5);
    disposeReplaced([c, e], { weights: { c } });
    expect([c.isDisposed, e.isDisposed]).toEqual([false, true]);
    c.dispose();
  });

  test('nothing replaced: nothing freed', () => {
    const a = tf.scalar(1);
    disposeReplaced({ a }, [a]);
    disposeReplaced([], { a });
    expect(a.isDisposed).toBe(false);
    a.dispose();
  });
});
