import { tf } from '../../src/backend/tf.js';
import { LayerError } from '../../src/core/layer_error.js';
import { CrossEntropyLoss, L2Loss, WeightedCategoryCrossEntropy } from '../../src/metrics/losses.js';
import { Accuracy, SequenceAccuracy, WeightedCategoryAccuracy } from '../../src/metrics/accuracy.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';

// A batch of 2 sequences of 3 positions over 4 categories.
const SCORES = [
  [
    [2.0, 1.0, 0.1, -1.0],
    [0.5, 0.2, 3.0, 0.0],
    [1.0, 1.5, 0.3, 0.2],
  ],
  [
    [0.0, 0.0, 0.0, 4.0],
    [1.0, -2.0, 0.5, 0.1],
    [0.3, 0.2, 0.1, 0.0],
  ],
];
const TARGETS = [
  [0, 2, 0], // right, right, wrong (argmax 1)
  [3, 1, 2], // right, wrong (argmax 0), padding
];
const WEIGHTS = [
  [1, 1, 1],
  [1, 0.5, 0],
];

const scalar = (t: Tensor): number => t.dataSync()[0]!;
const logSoftmaxRow = (row: number[]): number[] => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
};

function inputs(): [Tensor, Tensor, Tensor] {
  return [tf.tensor(SCORES), tf.tensor(TARGETS, undefined, 'int32'), tf.tensor(WEIGHTS)];
}

describeOnBackends('metric and loss layers', () => {
  const signature = [shapeDtype([2, 3, 4]), shapeDtype([2, 3], 'int32'), shapeDtype([2, 3])];

  test.each([
    ['WeightedCategoryCrossEntropy', () => WeightedCategoryCrossEntropy()],
    ['CrossEntropyLoss', () => CrossEntropyLoss()],
    ['WeightedCategoryAccuracy', () => WeightedCategoryAccuracy()],
    ['Accuracy', () => Accuracy()],
    ['SequenceAccuracy', () => SequenceAccuracy()],
  ])('%s is 3 -> 1 and its init signature is the real output scalar', (name, make) => {
    const layer = make();
    expect([layer.nIn, layer.nOut, layer.name]).toEqual([3, 1, name]);
    expect(layer.toString()).toBe(`${name}_in3`);
    const { outputSignature } = layer.init(signature);
    expect(outputSignature).toEqual(shapeDtype([]));
    const xs = inputs();
    const out = layer.call(xs) as Tensor;
    expect(out.shape).toEqual([]);
    tf.dispose([...xs, out]);
  });

  test('WeightedCategoryCrossEntropy by hand: padding never counts', () => {
    let num = 0;
    let den = 0;
    SCORES.forEach((seq, b) =>
      seq.forEach((row, l) => {
        const w = WEIGHTS[b]![l]!;
        num += -logSoftmaxRow(row)[TARGETS[b]![l]!]! * w;
        den += w;
      }),
    );
    const xs = inputs();
    const out = WeightedCategoryCrossEntropy().call(xs) as Tensor;
    expect(scalar(out)).toBeCloseTo(num / den, 5);
    // the padded position's score does not matter
    const changed = tf.tensor(SCORES.map((seq, b) => seq.map((row, l) => (b === 1 && l === 2 ? [9, -9, 9, 9] : row))));
    const out2 = WeightedCategoryCrossEntropy().call([changed, xs[1], xs[2]]) as Tensor;
    expect(scalar(out2)).toBeCloseTo(num / den, 5);
    tf.dispose([...xs, out, changed, out2]);
  });

  test('label smoothing by hand', () => {
    const eps = 0.1;
    let num = 0;
    let den = 0;
    SCORES.forEach((seq, b) =>
      seq.forEach((row, l) => {
        const w = WEIGHTS[b]![l]!;
        const lp = logSoftmaxRow(row);
        const ce = -lp.reduce((s, x, c) => s + x * ((c === TARGETS[b]![l] ? 1 - eps : 0) + eps / 4), 0);
        num += ce * w;
        den += w;
      }),
    );
    const xs = inputs();
    const out = WeightedCategoryCrossEntropy(eps).call(xs) as Tensor;
    expect(scalar(out)).toBeCloseTo(num / den, 5);
    tf.dispose([...xs, out]);
  });

  test('CrossEntropyLoss takes log-probabilities', () => {
    const logProbs = SCORES.map((seq) => seq.map(logSoftmaxRow));
    const xs = inputs();
    const lp = tf.tensor(logProbs);
    const out = CrossEntropyLoss().call([lp, xs[1], xs[2]]) as Tensor;
    const reference = WeightedCategoryCrossEntropy().call(xs) as Tensor;
    // hand: weights 1,1,1,1,0.5,0 over the six -logp[target]
    const picked = [0, 1, 2]
      .flatMap((l) => [0, 1].map((b) => [b, l]))
      .map(([b, l]) => -logProbs[b!]![l!]![TARGETS[b!]![l!]!]! * WEIGHTS[b!]![l!]!);
    expect(scalar(out)).toBeCloseTo(picked.reduce((a, c) => a + c, 0) / 4.5, 5);
    expect(scalar(out)).toBeCloseTo(scalar(reference), 5);
    tf.dispose([...xs, lp, out, reference]);
  });

  test('accuracies by hand', () => {
    const xs = inputs();
    // correct: [1, 1, 0], [1, 0, (padding)]; weights [1, 1, 1], [1, 0.5, 0]
    const expected = (1 + 1 + 0 + 1 + 0) / 4.5;
    for (const layer of [WeightedCategoryAccuracy(), Accuracy()]) {
      const out = layer.call(xs) as Tensor;
      expect(scalar(out)).toBeCloseTo(expected, 6);
      out.dispose();
    }
    // sequence 0 has a wrong position; sequence 1 has a wrong weighted position: 0 of 2
    const seq = SequenceAccuracy().call(xs) as Tensor;
    expect(scalar(seq)).toBe(0);
    // fix sequence 1's weighted mistake (target 1 -> 0): 1 of 2; the padded position stays wrong and is ignored
    const targets = tf.tensor(
      [
        [0, 2, 0],
        [3, 0, 2],
      ],
      undefined,
      'int32',
    );
    const seq2 = SequenceAccuracy().call([xs[0], targets, xs[2]]) as Tensor;
    expect(scalar(seq2)).toBeCloseTo(0.5, 6);
    // an all-padding sequence is left out: only sequence 1 counts, and it is right
    const padRow = tf.tensor([
      [0, 0, 0],
      [1, 1, 0],
    ]);
    const seq3 = SequenceAccuracy().call([xs[0], targets, padRow]) as Tensor;
    expect(scalar(seq3)).toBe(1);
    tf.dispose([...xs, seq, targets, seq2, padRow, seq3]);
  });

  test('L2Loss by hand, with [B, L] weights over a [B, L, D] output', () => {
    const y = tf.tensor([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const t = tf.tensor([
      [
        [0, 2],
        [1, 1],
      ],
    ]);
    const w = tf.tensor([[1, 0]]);
    const layer = L2Loss();
    expect(layer.init([shapeDtype([1, 2, 2]), shapeDtype([1, 2, 2]), shapeDtype([1, 2])]).outputSignature).toEqual(shapeDtype([]));
    const out = layer.call([y, t, w]) as Tensor;
    // (1^2 + 0^2) / 2: only the first position counts, with both features
    expect(scalar(out)).toBeCloseTo(0.5, 6);
    const full = L2Loss().call([y, t, tf.onesLike(y)]) as Tensor;
    expect(scalar(full)).toBeCloseTo((1 + 0 + 4 + 9) / 4, 6);
    tf.dispose([y, t, w, out, full]);
  });

  test('all-zero weights give 0, not NaN', () => {
    const [s, t, w] = inputs();
    const zeros = tf.zerosLike(w);
    const out = WeightedCategoryCrossEntropy().call([s, t, zeros]) as Tensor;
    expect(scalar(out)).toBe(0);
    tf.dispose([s, t, w, zeros, out]);
  });

  test('gradients of the losses match finite differences', () => {
    const [s, t, w] = inputs();
    expectGradientsMatchFiniteDifferences((x) => WeightedCategoryCrossEntropy().call([x, t, w]) as Tensor, [s]);
    const lp = tf.tidy(() => tf.logSoftmax(s));
    expectGradientsMatchFiniteDifferences((x) => CrossEntropyLoss().call([x, t, w]) as Tensor, [lp]);
    const target = tf.tensor([
      [0.5, -1],
      [2, 0],
    ]);
    const y = tf.tensor([
      [1, 1],
      [1, 1],
    ]);
    const lw = tf.tensor([
      [1, 2],
      [0, 1],
    ]);
    expectGradientsMatchFiniteDifferences((x) => L2Loss().call([x, target, lw]) as Tensor, [y]);
    // the cross-entropy gradient by hand: w/sum(w) * (softmax - onehot); padding gets none
    const g = tf.grad((x: Tensor) => WeightedCategoryCrossEntropy().call([x, t, w]) as Tensor)(s);
    const gv = g.arraySync() as number[][][];
    expect(gv[1]![2]!.map(Math.abs)).toEqual([0, 0, 0, 0]);
    const p = logSoftmaxRow(SCORES[0]![0]!).map(Math.exp);
    p.forEach((pc, c) => expect(gv[0]![0]![c]!).toBeCloseTo((pc - (c === 0 ? 1 : 0)) / 4.5, 5));
    tf.dispose([s, t, w, lp, target, y, lw, g]);
  });

  test('a model output that does not fit the targets is refused at init, naming both shapes', () => {
    const bad = [shapeDtype([2, 3, 4]), shapeDtype([2, 5], 'int32'), shapeDtype([2, 5])];
    let caught: unknown;
    try {
      WeightedCategoryCrossEntropy().init(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LayerError);
    expect((caught as Error).message).toMatch(/model output float32\[2,3,4\] needs targets of shape \[2,3\], got targets int32\[2,5\]/);
    expect(() => Accuracy().init(bad)).toThrow(/predictions int32\[2,3\] .* do not match the targets int32\[2,5\]/);
    expect(() => WeightedCategoryAccuracy().init([shapeDtype([2, 3, 4]), shapeDtype([2, 3], 'int32'), shapeDtype([2, 4])])).toThrow(
      /weights float32\[2,4\] do not match targets int32\[2,3\]/,
    );
    expect(() => CrossEntropyLoss().init([shapeDtype([2, 3, 4]), shapeDtype([2, 3]), shapeDtype([2, 3])])).toThrow(/targets must be int32/);
    expect(() => L2Loss().init([shapeDtype([2, 3]), shapeDtype([2, 4]), shapeDtype([2, 3])])).toThrow(
      /model output float32\[2,3\] and the targets float32\[2,4\] must have the same shape/,
    );
  });
});
