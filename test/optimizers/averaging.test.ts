import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { CrossEntropyLoss } from '../../src/metrics/losses.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { Adam, AVERAGE_SLOT, averagedWeights, SGD, type WeightSlots } from '../../src/optimizers/index.js';
import { Loop, type LoopOptions, TrainTask } from '../../src/training/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { taggerModel, taggingData } from '../training/helpers/tagging.js';

const quiet: LoopOptions = { logger: () => undefined, chart: false, progress: false };

describeOnBackends('Polyak averaging (averageDecay)', () => {
  test('hand-computed: SGD on f(w) = w with decay 0.5 follows d = min(0.5, (1 + t) / (10 + t))', () => {
    const sgd = new SGD({ learningRate: 0.1, weightDecayRate: 0, averageDecay: 0.5 });
    let weights = { w: tf.scalar(1) } as Record<string, Tensor>;
    let slots = sgd.treeInit(weights);
    expect(((slots['w'] as WeightSlots)[AVERAGE_SLOT] as Tensor).dataSync()[0]).toBe(1);
    const averages: number[] = [];
    for (let step = 0; step < 3; step++) {
      const update = sgd.treeUpdate(step, { w: tf.scalar(1) }, weights, slots, 0.1);
      weights = update.weights as Record<string, Tensor>;
      slots = update.slots;
      averages.push((averagedWeights(weights, slots)['w'] as Tensor).dataSync()[0]!);
    }
    // w: 0.9, 0.8, 0.7. d: 0.1, 2/11, 3/12. avg: 0.1*1 + 0.9*0.9 = 0.91; (2/11)0.91 + (9/11)0.8 = 0.82;
    // 0.25*0.82 + 0.75*0.7 = 0.73.
    expect(averages[0]).toBeCloseTo(0.91, 6);
    expect(averages[1]).toBeCloseTo(0.82, 6);
    expect(averages[2]).toBeCloseTo(0.73, 6);
    expect(sgd.config['averageDecay']).toBe(0.5);
  });

  test('without averageDecay there is no average slot, and averagedWeights says so', () => {
    const adam = new Adam();
    const weights = { layer: { w: tf.ones([2]) } };
    expect(() => averagedWeights(weights, adam.treeInit(weights))).toThrow("averagedWeights: weight layer/w has no 'average' slot");
    expect(() => new Adam({ averageDecay: 1 })).toThrow('averageDecay must be in [0, 1)');
  });

  test('Loop.withAveragedWeights evaluates the averages, restores the weights, and the averages survive a resume', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trax-average-'));
    try {
      const task = () =>
        new TrainTask({
          labeledData: taggingData(1),
          lossLayer: CrossEntropyLoss(),
          optimizer: new Adam({ learningRate: 0.01, averageDecay: 0.9 }),
          nStepsPerCheckpoint: 4,
        });
      const loop = await Loop(taggerModel(), task(), { ...quiet, outputDir: dir, seed: 3 });
      await loop.run(4);
      const trained = treeLeaves(loop.model.weights);
      const averages = treeLeaves(averagedWeights(loop.model.weights, loop.slotsOf(0)));
      const seen = await loop.withAveragedWeights(() => treeLeaves(loop.model.weights));
      expect(seen).toEqual(averages);
      expect(treeLeaves(loop.model.weights)).toEqual(trained);
      const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(trained[0]!, averages[0]!))).dataSync()[0]!);
      expect(gap).toBeGreaterThan(0);
      const saved = averages.map((t) => Array.from(t.dataSync()));
      loop.dispose();
      const resumed = await Loop(taggerModel(), task(), { ...quiet, outputDir: dir, seed: 3 });
      expect(resumed.step).toBe(4);
      expect(treeLeaves(averagedWeights(resumed.model.weights, resumed.slotsOf(0))).map((t) => Array.from(t.dataSync()))).toEqual(saved);
      resumed.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
