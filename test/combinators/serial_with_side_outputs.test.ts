import { tf } from '../../src/backend/tf.js';
import { Parallel } from '../../src/combinators/parallel.js';
import { Dup, Select } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { SerialWithSideOutputs } from '../../src/combinators/serial_with_side_outputs.js';
import { Dense } from '../../src/layers/core/dense.js';
import { Fn } from '../../src/core/fn.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from '../layers/layer_checks.js';

const vals = (s: unknown): number[][] => (s as Tensor[]).map((t) => flat(t));
/** 1 -> 2: `x -> x + k, 10 (x + k)`: the first output goes on, the second is the side output. */
const step = (k: number) => Fn(`Step${k}`, (x) => [x.add(k), x.add(k).mul(10)], 2);

describeOnBackends('SerialWithSideOutputs', () => {
  test('stack semantics: each side output goes to the bottom, the main output on to the next layer', () => {
    const layer = SerialWithSideOutputs([step(1), step(2), step(3)]);
    expect([layer.nIn, layer.nOut]).toEqual([1, 4]);
    // x = 0: 1 (side 10), 3 (side 30), 6 (side 60) -> 6, 10, 30, 60.
    expect(vals(layer.call(tf.tensor1d([0])))).toEqual([[6], [10], [30], [60]]);
  });

  test('items below its inputs pass through untouched, beneath the side outputs', () => {
    const layer = SerialWithSideOutputs([step(1), step(2)]);
    const wider = Serial(Select([0, 1]), layer);
    // The layer takes one item (a); b, below it, stays below: a, b -> main, side1, side2, b.
    expect([wider.nIn, wider.nOut]).toEqual([2, 4]);
    expect(vals(wider.call([tf.tensor1d([0]), tf.tensor1d([7])]))).toEqual([[3], [10], [30], [7]]);
  });

  test('counts per layer: 0 puts nothing aside, 2 puts two aside in order', () => {
    const three = Fn('Three', (x) => [x.add(1), x.add(2), x.add(3)], 3);
    const layer = SerialWithSideOutputs([Dup(), three], [0, 2]);
    // x -> x, x -> (x+1, x+2, x+3), x -> x+1, x, x+2, x+3
    expect([layer.nIn, layer.nOut]).toEqual([1, 4]);
    expect(vals(layer.call(tf.tensor1d([5])))).toEqual([[6], [5], [7], [8]]);
  });

  test("Trax's example with Parallel(DivideBy(2), DivideBy(5)) twice keeps the three shapes", () => {
    const divideBy = (v: number) => Fn('DivideBy', (x) => x.div(v));
    const some = () => Parallel(divideBy(2), divideBy(5));
    const layer = SerialWithSideOutputs([some(), some()]);
    expect([layer.nIn, layer.nOut]).toEqual([3, 3]);
    const ys = layer.call([tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30, 40, 50]), tf.tensor1d([100, 200])]) as Tensor[];
    expect(ys.map((y) => y.shape)).toEqual([[3], [5], [2]]);
    // x, y, z -> x/2, z, y/5 (y/5 put aside) -> x/4, z/5 on top of y/5 -> x/4, y/5, z/5 (z/5 put aside).
    expect(vals(ys)).toEqual([
      [0.25, 0.5, 0.75],
      [2, 4, 6, 8, 10],
      [20, 40],
    ]);
  });

  test('output signature matches the output, and gradients match finite differences', () => {
    const twoHeads = () => Serial(Dense(3), Dup(), Parallel(null, Dense(2)));
    const layer = SerialWithSideOutputs([twoHeads(), twoHeads()]);
    const x = randn([2, 4], 1);
    expect(expectSignatureMatchesOutput(layer, x)).toEqual([shapeDtype([2, 3]), shapeDtype([2, 2]), shapeDtype([2, 2])]);
    expectLayerGradientsMatch(layer, x);
  });

  test('refuses counts that do not fit the layers', () => {
    expect(() => SerialWithSideOutputs([step(1)], [1, 1])).toThrow(/2 side-output counts for 1 layers/);
    expect(() => SerialWithSideOutputs([step(1)], 3)).toThrow(/cannot put 3 aside/);
  });
});
