import { tf } from '../../src/backend/tf.js';
import { BatchLeadingAxes } from '../../src/combinators/batch_leading_axes.js';
import { Bidirectional } from '../../src/combinators/bidirectional.js';
import { Branch } from '../../src/combinators/branch.js';
import { Chunk } from '../../src/combinators/chunk.js';
import { Cond } from '../../src/combinators/cond.js';
import { Parallel } from '../../src/combinators/parallel.js';
import { Residual } from '../../src/combinators/residual.js';
import { Scan } from '../../src/combinators/scan.js';
import { Dup, Select } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Add } from '../../src/combinators/arithmetic.js';
import type { Layer } from '../../src/core/base.js';
import { Dense, Embedding, Relu } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { GRU } from '../../src/rnn/recurrent.js';
import { shapeDtype } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { ReversibleHalfResidual } from '../../src/reversible/reversible_half_residual.js';
import { ReversibleSwap } from '../../src/reversible/reversible_select.js';
import { ReversibleSerial } from '../../src/reversible/reversible_serial.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose, values } from '../helpers/gradcheck.js';

/** A Dense layer initialised on its own with seed 5, and a copy of its weights' values. */
function trained(nUnits: number, dIn: number): { d: Layer; w: unknown; b: unknown } {
  const d = Dense(nUnits);
  d.init(shapeDtype([2, dIn]), { seed: 5 });
  const { w, b } = d.weights as { w: Tensor; b: Tensor };
  return { d, w: values(w), b: values(b) };
}

function expectWeightsUnchanged(t: { d: Layer; w: unknown; b: unknown }): void {
  const { w, b } = t.d.weights as { w: Tensor; b: Tensor };
  expect(values(w)).toEqual(t.w);
  expect(values(b)).toEqual(t.b);
}

/** Whether the tensors of `inner`'s weights appear, as the same objects, in `outer`'s weight tree. */
function contains(outer: Weights, inner: Layer): boolean {
  const all = new Set(treeLeaves(outer));
  return treeLeaves(inner.weights).every((t) => all.has(t));
}

describeOnBackends('an initialised layer keeps its weights inside a parent (issue 14)', () => {
  let x: Tensor;
  beforeAll(() => {
    x = tf.tensor2d([
      [1, 2, 3, 4],
      [-1, 0.5, 2, 0],
    ]);
  });

  test("the issue's case: Serial(d).call(x) uses d's weights from d.init(sig, { seed: 5 })", () => {
    const d = Dense(3);
    d.init(shapeDtype([2, 4]), { seed: 5 });
    const alone = d.call(x) as Tensor;
    const inSerial = Serial(d).call(x) as Tensor;
    expectClose(inSerial, alone);
  });

  test("Serial: init of the parent keeps d's weights and initialises only the new layer", () => {
    const t = trained(3, 4);
    const fresh = Dense(2);
    const model = Serial(t.d, Relu(), fresh);
    const { weights } = model.init(shapeDtype([2, 4]), { seed: 0 });
    expectWeightsUnchanged(t);
    expect(contains(weights, t.d)).toBe(true);
    expect(fresh.initialized).toBe(true);
    // The new layer's weights are those it gets in a fresh tree with the same seed.
    const reference = Serial(Dense(3), Relu(), Dense(2));
    reference.init(shapeDtype([2, 4]), { seed: 0 });
    expect(values((fresh.weights as { w: Tensor }).w)).toEqual(values((reference.sublayers[2]!.weights as { w: Tensor }).w));
  });

  test('reinit: true draws new weights for every layer, as a fresh tree does', () => {
    const t = trained(3, 4);
    const model = Serial(t.d, Relu());
    model.init(shapeDtype([2, 4]), { seed: 0, reinit: true });
    const reference = Serial(Dense(3), Relu());
    reference.init(shapeDtype([2, 4]), { seed: 0 });
    expect(values((t.d.weights as { w: Tensor }).w)).toEqual(values((reference.sublayers[0]!.weights as { w: Tensor }).w));
    expect(values((t.d.weights as { w: Tensor }).w)).not.toEqual(t.w);
  });

  test('init of a layer that has weights keeps them; reinit redraws them', () => {
    const t = trained(3, 4);
    t.d.init(shapeDtype([7, 4]), { seed: 9 });
    expectWeightsUnchanged(t);
    t.d.init(shapeDtype([2, 4]), { seed: 9, reinit: true });
    expect(values((t.d.weights as { w: Tensor }).w)).not.toEqual(t.w);
  });

  test('kept weights that do not fit the new inputs are refused with a message naming the layer and reinit', () => {
    const t = trained(3, 4);
    expect(() => Serial(t.d).init(shapeDtype([2, 5]))).toThrow(LayerError);
    expect(() => Serial(t.d).init(shapeDtype([2, 5]))).toThrow(/Dense_3 already has weights .*float32\[4,3\].*reinit: true/);
    expectWeightsUnchanged(t);
  });

  const wrappers: Array<[string, (d: Layer) => Layer, () => Tensor | Tensor[]]> = [
    ['Parallel', (d) => Parallel(d, Relu()), () => [x, x]],
    ['Branch', (d) => Branch(d, Dense(2)), () => x],
    ['Residual', (d) => Residual(Dense(4), d, Dense(4)), () => x],
    ['a Select-containing stack', (d) => Serial(Select([0, 0]), Parallel(d, Dense(3)), Add()), () => x],
    ['Chunk', (d) => Chunk(d, 1), () => x],
    ['BatchLeadingAxes', (d) => BatchLeadingAxes(Serial(Dense(4), d)), () => tf.ones([2, 3, 4])],
    [
      'Cond',
      (d) =>
        Cond(
          Fn('Yes', (c) => c.sum().greater(0)),
          Serial(Dense(4), d),
          Serial(Dense(4), Dense(3)),
        ),
      () => [x, x],
    ],
    [
      'Scan (init)',
      (d) => Scan(Serial(Parallel(Dense(4), null), Add(), Dup(), Parallel(d, null)), { nCarry: 1 }),
      () => [tf.ones([3, 2, 4]), tf.zeros([2, 4])],
    ],
  ];
  test.each(wrappers)("%s: init and call of the parent keep the sublayer's weights", (_name, wrap, inputs) => {
    const t = trained(3, 4);
    const parent = wrap(t.d);
    const stack = inputs();
    parent.call(stack);
    expectWeightsUnchanged(t);
    expect(contains(parent.weights, t.d)).toBe(true);
    parent.init(Array.isArray(stack) ? stack.map((s) => shapeDtype(s.shape)) : shapeDtype(stack.shape), { seed: 3 });
    expectWeightsUnchanged(t);
    expect(contains(parent.weights, t.d)).toBe(true);
  });

  test("Chunk(d, 1) computes what d computes, with d's weights (Trax ChunkTest::test_chunk)", () => {
    const t = trained(4, 4);
    expectClose(Chunk(t.d, 1).call(x) as Tensor, t.d.call(x) as Tensor);
  });

  test('the reversible stacks keep a pre-initialised layer inside ReversibleHalfResidual', () => {
    const t = trained(4, 4);
    const blocks = ReversibleSerial(ReversibleHalfResidual(t.d), ReversibleSwap(), ReversibleHalfResidual(Dense(4)), ReversibleSwap());
    blocks.init([shapeDtype([2, 4]), shapeDtype([2, 4])], { seed: 1 });
    expectWeightsUnchanged(t);
    const [y1, y2] = blocks.call([x, x]) as Tensor[];
    // (x, x) -> (x + d(x), x) -> swap -> (x, x + d(x)) -> (x + e(x + d(x)), x + d(x)) -> swap.
    const e = blocks.sublayers[2]!.sublayers[0]!;
    const first = tf.add(x, t.d.call(x) as Tensor);
    expectClose(y1!, first);
    expectClose(y2!, tf.add(x, e.call(first) as Tensor));
  });

  test('Bidirectional: the forward layer keeps its weights; the backward copy starts from copies of them', () => {
    const gru = GRU(3);
    const seq = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 1);
    gru.init(shapeDtype([2, 5, 4]), { seed: 5 });
    const before = treeLeaves(gru.weights).map((w) => values(w));
    const bi = Bidirectional(gru);
    bi.init(shapeDtype([2, 5, 4]), { seed: 0 });
    expect(treeLeaves(gru.weights).map((w) => values(w))).toEqual(before);
    const out = bi.call(seq) as Tensor;
    const forwardPart = tf.slice(out, [0, 0, 0], [2, 5, 3]);
    expectClose(forwardPart, gru.call(seq) as Tensor);
    const backwardLeaves = treeLeaves(bi.weights).filter((w) => !treeLeaves(gru.weights).includes(w));
    expect(backwardLeaves.map((w) => values(w))).toEqual(before);
  });

  test('clone() of an initialised layer has copies of its weights: same values, other tensors', () => {
    const t = trained(3, 4);
    const copy = t.d.clone();
    expect(copy.initialized).toBe(true);
    expect(values((copy.weights as { w: Tensor }).w)).toEqual(t.w);
    expect((copy.weights as { w: Tensor }).w).not.toBe((t.d.weights as { w: Tensor }).w);
    expectClose(Serial(copy).call(x) as Tensor, t.d.call(x) as Tensor);
  });

  test('Embedding(10, 3).init(undefined) makes the table (Trax init(None)); Dense refuses and says why', () => {
    const e = Embedding(10, 3);
    const made = e.init(undefined, { seed: 2 });
    expect((made.weights['w'] as Tensor).shape).toEqual([10, 3]);
    expect(e.initialized).toBe(true);
    expect((e.call(tf.tensor1d([1, 9], 'int32')) as Tensor).shape).toEqual([2, 3]);
    expect(() => Dense(3).init(undefined)).toThrow(/Dense_3 needs an input signature/);
  });
});
