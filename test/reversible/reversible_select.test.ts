import { tf } from '../../src/backend/tf.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { ReversibleSelect, ReversibleSwap } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';

const K = makeKey(0);
const t = (v: number[]) => tf.tensor(v);
const vals = (xs: unknown) => (xs as Tensor[]).map((x) => Array.from(x.dataSync()));

describeOnBackends('ReversibleSelect and ReversibleSwap', () => {
  test('ReversibleSwap swaps, and reverses itself', () => {
    const swap = ReversibleSwap();
    expect([swap.nIn, swap.nOut, swap.name]).toEqual([2, 2, 'ReversibleSwap']);
    const out = swap.call([t([1]), t([2])]);
    expect(vals(out)).toEqual([[2], [1]]);
    expect(vals(swap.reverse(out, {}, {}, K))).toEqual([[1], [2]]);
    expect(swap.init([shapeDtype([2, 3]), shapeDtype([4])]).outputSignature).toEqual([shapeDtype([4]), shapeDtype([2, 3])]);
  });

  test('ReversibleSelect permutes; reverseAndGrad permutes cotangents back and sums copies', () => {
    const sel = ReversibleSelect([2, 0, 1, 0]);
    expect([sel.nIn, sel.nOut]).toEqual([3, 4]);
    const out = sel.call([t([1]), t([2]), t([3])]);
    expect(vals(out)).toEqual([[3], [1], [2], [1]]);
    const [x, xct, wg] = sel.reverseAndGrad(out, [t([10]), t([20]), t([30]), t([40])], {}, {}, K);
    expect(vals(x)).toEqual([[1], [2], [3]]);
    // input 0 went to places 1 and 3: 20 + 40.
    expect(vals(xct)).toEqual([[60], [30], [10]]);
    expect(wg).toEqual({});
  });

  test('its cotangents equal the gradients tfjs computes', () => {
    const sel = ReversibleSelect([1, 0, 1]);
    const a = tf.tensor([1, 2]);
    const b = tf.tensor([3, 4]);
    const probes = [tf.tensor([1, -1]), tf.tensor([2, 5]), tf.tensor([7, 3])];
    const loss = (x: Tensor, y: Tensor) =>
      (sel.pureFn([x, y], {}, {}, K)[0] as Tensor[]).reduce(
        (acc: Tensor, o, i) => acc.add(o.mul(probes[i]!).sum()),
        tf.scalar(0),
      ) as tf.Scalar;
    const [ga, gb] = tf.grads(loss)([a, b]);
    const [, xct] = sel.reverseAndGrad(sel.pureFn([a, b], {}, {}, K)[0], probes, {}, {}, K);
    expectClose((xct as Tensor[])[0]!, ga!);
    expectClose((xct as Tensor[])[1]!, gb!);
  });

  test('a select that drops an input is refused', () => {
    expect(() => ReversibleSelect([0, 0], 2)).toThrow(/not reversible: input 1 does not appear/);
    expect(() => ReversibleSelect([3], 2)).toThrow(/outside the 2 items/);
  });
});
