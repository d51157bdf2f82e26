/**
 * The Trainer: Serial(model, loss) as one tree (a loss layer's weights trained like the model's, with ordinary
 * slots), one SGD step equal to the hand-computed update, a NonFiniteError that leaves everything as it was, no
 * tensor leaked per step, the update count restored and checked.
 */
import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense } from '../../src/layers/core/index.js';
import { CrfLoss } from '../../src/layers/crf.js';
import { Fn } from '../../src/core/fn.js';
import { L2Loss } from '../../src/metrics/losses.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { Adam, SGD } from '../../src/optimizers/index.js';
import { makeKey } from '../../src/rng/key.js';
import { NonFiniteError, Trainer } from '../../src/training/index.js';
import { describeOnBackends } from '../helpers/backends.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

describeOnBackends('Trainer', () => {
  test('one SGD step is w - lr * dL/dw, computed by hand for a Dense layer and an L2 loss', () => {
    const model = Dense(1);
    model.init({ shape: [2, 2], dtype: 'float32' }, { seed: 3 });
    const loss = L2Loss();
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
    ]);
    const y = tf.tensor2d([[0.5], [-1]]);
    const mask = tf.ones([2, 1]);
    loss.init([
      { shape: [2, 1], dtype: 'float32' },
      { shape: [2, 1], dtype: 'float32' },
      { shape: [2, 1], dtype: 'float32' },
    ]);
    const { w, b } = model.weights as { w: Tensor; b: Tensor };
    const [w0, b0] = [values(w), values(b)];
    const trainer = new Trainer(model, loss, new SGD({ learningRate: 0.1 }));
    const metrics = trainer.oneStep([x, y, mask], makeKey(0), { learningRate: 0.1 });
    // L2Loss: sum(mask * (pred - y)^2) / sum(mask); d/dpred = 2 (pred - y) / 2.
    const xs = [
      [1, 2],
      [3, -1],
    ];
    const pred = xs.map((r) => r[0]! * w0[0]! + r[1]! * w0[1]! + b0[0]!);
    const err = pred.map((p, i) => p - [0.5, -1][i]!);
    const expectedLoss = (err[0]! ** 2 + err[1]! ** 2) / 2;
    expect(metrics.loss).toBeCloseTo(expectedLoss, 5);
    const gw = [0, 1].map((j) => err.reduce((s, e, i) => s + e * xs[i]![j]!, 0));
    const gb = err.reduce((s, e) => s + e, 0);
    const after = model.weights as { w: Tensor; b: Tensor };
    values(after.w).forEach((v, j) => expect(v).toBeCloseTo(w0[j]! - 0.1 * gw[j]!, 5));
    expect(values(after.b)[0]).toBeCloseTo(b0[0]! - 0.1 * gb, 5);
    expect(trainer.optimizerSteps).toBe(1);
    trainer.dispose();
    tf.dispose([x, y, mask]);
  });

  test('a CRF loss layer is trained as part of the tree: its weights change, its slots sit under `loss`', () => {
    const nTags = 3;
    const model = Serial(Dense(nTags));
    model.init({ shape: [2, 4, 5], dtype: 'float32' }, { seed: 1 });
    const crf = CrfLoss(nTags);
    crf.init([
      { shape: [2, 4, nTags], dtype: 'float32' },
      { shape: [2, 4], dtype: 'int32' },
      { shape: [2, 4], dtype: 'float32' },
    ]);
    const trainer = new Trainer(model, crf, new Adam({ learningRate: 0.05 }));
    expect(trainer.trainsLoss).toBe(true);
    expect(Object.keys(trainer.slots.loss).sort()).toEqual(Object.keys(crf.weights).sort());
    const before = treeLeaves(crf.weights).map(values);
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 7);
    const tags = tf.tensor2d([0, 1, 2, 1, 2, 2, 0, 1], [2, 4], 'int32');
    const mask = tf.ones([2, 4]);
    const counts: number[] = [];
    for (let step = 1; step <= 4; step++) {
      trainer.oneStep([x, tags, mask], makeKey(step), { learningRate: 0.05 });
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1); // no tensor leaked per step
    const after = treeLeaves(crf.weights).map(values);
    expect(after).not.toEqual(before);
    trainer.dispose();
    tf.dispose([x, tags, mask]);
  });

  test('a non-finite loss throws NonFiniteError naming the step, and leaves weights, slots and count as they were', () => {
    const model = Dense(1);
    model.init({ shape: [1, 1], dtype: 'float32' }, { seed: 2 });
    const nanLoss = Fn('NanLoss', (p: Tensor) => tf.mul(tf.sum(p), NaN));
    nanLoss.init({ shape: [1, 1], dtype: 'float32' });
    const trainer = new Trainer(model, nanLoss, new SGD({ learningRate: 0.1 }));
    const weights = treeLeaves(model.weights);
    const x = tf.ones([1, 1]);
    const tensorsBefore = tf.memory().numTensors;
    expect(() => trainer.oneStep([x], makeKey(0), { learningRate: 0.1, step: 7 })).toThrow(NonFiniteError);
    expect(() => trainer.oneStep([x], makeKey(0), { learningRate: 0.1, step: 7 })).toThrow(/^Step 7: the loss NanLoss is NaN/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(treeLeaves(model.weights)).toEqual(weights);
    expect(trainer.optimizerSteps).toBe(0);
    trainer.dispose();
    x.dispose();
  });

  test('restore takes slots and an update count, refusing a count that is not a non-negative integer', () => {
    const model = Dense(2);
    model.init({ shape: [1, 3], dtype: 'float32' }, { seed: 4 });
    const trainer = new Trainer(model, L2Loss(), new Adam());
    const fresh = new Adam().treeInit({ model: model.weights, loss: {} }) as unknown as Parameters<Trainer['restore']>[0];
    expect(() => trainer.restore(fresh, -1)).toThrow(/optimizerSteps must be a non-negative integer, got -1/);
    trainer.restore(fresh, 12);
    expect(trainer.optimizerSteps).toBe(12);
    expect(trainer.slots).toBe(fresh);
    trainer.dispose();
  });

  test('a model without weights is refused with its name', () => {
    const model = Fn('Identity', (x: Tensor) => x);
    expect(() => new Trainer(model, L2Loss(), new SGD())).toThrow(/Trainer: the model Identity has no weights \(initialise it first\)/);
  });
});
