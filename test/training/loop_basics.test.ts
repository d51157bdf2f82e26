import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { Serial } from '../../src/combinators/serial.js';
import { Layer } from '../../src/core/base.js';
import { Branch } from '../../src/combinators/branch.js';
import { Select } from '../../src/combinators/select.js';
import { Dense, Dropout, Embedding, LogSoftmax, Relu } from '../../src/layers/core/index.js';
import { CrossEntropyLoss } from '../../src/metrics/losses.js';
import { SequenceAccuracy, WeightedCategoryAccuracy } from '../../src/metrics/accuracy.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { ShapeDtype, Stack, State, Tensor, Weights } from '../../src/core/types.js';
import type { Key } from '../../src/rng/key.js';
import { Adam, SGD } from '../../src/optimizers/index.js';
import { EvalTask, Loop, TrainTask, type EvaluationEvent, type LoopOptions } from '../../src/training/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { N_TAGS, VOCAB, taggerModel, taggingData } from './helpers/tagging.js';

const quiet: LoopOptions = { logger: () => undefined, chart: false, progress: false };
const adamTask = (seed = 1, nStepsPerCheckpoint = 5, extra: Partial<ConstructorParameters<typeof TrainTask>[0]> = {}) =>
  new TrainTask({
    labeledData: taggingData(seed),
    lossLayer: CrossEntropyLoss(),
    optimizer: new Adam({ learningRate: 0.01 }),
    nStepsPerCheckpoint,
    ...extra,
  });

/** y = x * s with a hand-written gradient through tf.customGrad, the weight passed as an explicit input. */
class CustomGradScale extends Layer {
  constructor() {
    super({ name: 'CustomGradScale' });
  }
  protected override initWeightsAndState(signature: ShapeDtype[]): { weights: Weights; state: State } {
    const d = signature[0]!.shape[signature[0]!.shape.length - 1]!;
    return { weights: { s: tf.linspace(0.5, 1.5, d) }, state: {} };
  }
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const f = tf.customGrad(((x: Tensor, s: Tensor, save: tf.GradSaveFunc) => {
      save([x, s]);
      return {
        value: x.mul(s),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [sx, ss] = saved as [Tensor, Tensor];
          const axes = Array.from({ length: sx.rank - 1 }, (_, i) => i);
          return [dy.mul(ss), dy.mul(sx).sum(axes)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return [f(inputs as Tensor, weights['s'] as Tensor), state];
  }
}

describe('Loop logs, files and callbacks', () => {
  let dir: string;
  beforeAll(() => useBackend('wasm'));
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'trax-loop-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('logs in Trax format; writes metrics.jsonl, the chart, permanent and best-metric checkpoints', async () => {
    const lines: string[] = [];
    const loop = await Loop(taggerModel(), adamTask(1, 5, { nStepsPerPermanentCheckpoint: 10 }), {
      evalTasks: [
        new EvalTask({ labeledData: taggingData(2), metrics: [CrossEntropyLoss(), WeightedCategoryAccuracy(), SequenceAccuracy()] }),
      ],
      outputDir: dir,
      logger: (l) => lines.push(l),
      checkpointLowMetric: 'CrossEntropyLoss',
      checkpointHighMetric: 'WeightedCategoryAccuracy',
      progress: false,
    });
    await loop.run(10);
    expect(loop.step).toBe(10);
    expect(lines[0]).toMatch(/^Step {6}1: Total number of trainable weights: 932$/);
    expect(lines).toContainEqual(expect.stringMatching(/^Step {6}5: Ran 4 train steps in \d+\.\d\d secs$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Step {6}5: train {9}CrossEntropyLoss \| {2}\d\.\d{8}$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Step {5}10: eval {2}WeightedCategoryAccuracy \| {2}\d\.\d{8}$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Step {5}10: eval {10}SequenceAccuracy \| {2}\d\.\d{8}$/));
    const records = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.filter((r) => r.name === 'CrossEntropyLoss' && r.mode === 'train').map((r) => r.step)).toEqual([1, 5, 10]);
    expect(records.filter((r) => r.mode === 'eval').map((r) => r.name)).toContain('SequenceAccuracy');
    expect(records.find((r) => r.name === 'learning_rate')).toMatchObject({ value: expect.closeTo(0.01, 9) });
    const svg = readFileSync(path.join(dir, 'training.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('WeightedCategoryAccuracy');
    const entries = readdirSync(dir);
    expect(entries).toEqual(
      expect.arrayContaining(['latest', 'checkpoint-000010', 'model_10', 'lowest_CrossEntropyLoss', 'highest_WeightedCategoryAccuracy']),
    );
    expect(entries.filter((e) => e.startsWith('checkpoint-'))).toEqual(['checkpoint-000010']);
    loop.dispose();
  });

  test('callbacks receive the metrics and can stop the run', async () => {
    const seen: EvaluationEvent['metrics'][] = [];
    const ends: number[] = [];
    const loop = await Loop(taggerModel(), adamTask(1, 2), {
      ...quiet,
      evalTasks: new EvalTask({ labeledData: taggingData(2), metrics: [WeightedCategoryAccuracy()] }),
      callbacks: [
        { onEvaluation: (e) => void seen.push(e.metrics) },
        { onStepEnd: (e) => (ends.push(e.step), e.step === 4 ? 'stop' : undefined) },
      ],
    });
    await loop.run(10);
    expect(loop.step).toBe(4);
    expect(ends).toEqual([1, 2, 3, 4]);
    expect(Object.keys(seen[0]!)).toEqual(['train/CrossEntropyLoss', 'eval/WeightedCategoryAccuracy']);
    expect(seen).toHaveLength(3); // steps 1, 2, 4
    // a later run starts again
    await loop.run(2);
    expect(loop.step).toBe(6);
    loop.dispose();
  });

  test('a stop requested by an event (a Ctrl-C handler, a timer, a message) is seen at the end of the current step', async () => {
    // Nothing in these steps does I/O (no output directory, no evaluations): without a yield to the event loop
    // between steps, the timer would only fire after the run.
    let requested = false;
    const loop = await Loop(taggerModel(), adamTask(1, 1000), {
      ...quiet,
      callbacks: [{ onStepEnd: () => (requested ? 'stop' : undefined) }],
    });
    const timer = new Promise<number>((resolve) => setTimeout(() => ((requested = true), resolve(loop.step)), 0));
    await loop.run(500);
    const stepWhenRequested = await timer;
    expect(loop.step).toBeLessThan(500);
    // The step running when the timer fired is the last one.
    expect(loop.step - stepWhenRequested).toBeGreaterThanOrEqual(0);
    expect(loop.step - stepWhenRequested).toBeLessThanOrEqual(1);
    loop.dispose();
  });
});

describe('multi-task training', () => {
  beforeAll(() => useBackend('cpu'));

  test('two train tasks alternate, each with its own optimizer slots, checkpointed and restored', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trax-multi-'));
    try {
      const tasks = () => [
        adamTask(1, 2),
        new TrainTask({
          labeledData: taggingData(9),
          lossLayer: CrossEntropyLoss(),
          optimizer: new SGD({ learningRate: 0.1 }),
          nStepsPerCheckpoint: 2,
        }),
      ];
      const seen: string[][] = [];
      const loop = await Loop(taggerModel(), tasks(), {
        ...quiet,
        outputDir: dir,
        callbacks: [{ onEvaluation: (e) => void seen.push(Object.keys(e.metrics)) }],
      });
      await loop.run(4);
      expect(seen[seen.length - 1]).toEqual(['train/CrossEntropyLoss/0', 'train/CrossEntropyLoss/1']);
      expect(Object.keys(loop.slotsOf(1))).toEqual(['0', '1', '2', '3', '4']);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'checkpoint-000004', 'checkpoint.json'), 'utf8'));
      expect(manifest.meta.optimizerSteps).toEqual([2, 2]);
      expect(manifest.meta.data.train).toEqual([2, 2]);
      loop.dispose();
      const resumed = await Loop(taggerModel(), tasks(), { ...quiet, outputDir: dir });
      expect(resumed.step).toBe(4);
      await resumed.run(2);
      resumed.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeOnBackends('Loop training', (backend) => {
  test('it learns: the tagger reaches >= 99% accuracy on held-out data within a few seconds', async () => {
    const started = performance.now();
    const accuracy: number[] = [];
    const loop = await Loop(taggerModel(), adamTask(21, 20), {
      ...quiet,
      evalTasks: new EvalTask({ labeledData: taggingData(22), metrics: [WeightedCategoryAccuracy()], nEvalBatches: 4 }),
      callbacks: [{ onEvaluation: (e) => void accuracy.push(e.metrics['eval/WeightedCategoryAccuracy']!) }],
    });
    await loop.run(60);
    const seconds = (performance.now() - started) / 1000;
    expect(accuracy[accuracy.length - 1]).toBeGreaterThanOrEqual(0.99);
    expect(seconds).toBeLessThan(backend === 'cpu' ? 8 : 5);
    loop.dispose();
  });

  test('200 training steps keep tf.memory().numTensors constant (with evals and checkpoints)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trax-mem-'));
    try {
      const loop = await Loop(taggerModel(8, 8), adamTask(3, 50), {
        ...quiet,
        outputDir: dir,
        evalTasks: new EvalTask({ labeledData: taggingData(4), metrics: [WeightedCategoryAccuracy(), SequenceAccuracy()] }),
      });
      await loop.run(1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) {
        await loop.run(50);
        expect(tf.memory().numTensors).toBe(before);
      }
      expect(loop.step).toBe(201);
      loop.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('weights that do not reach the loss get zero gradients instead of an error', async () => {
    // the second Dense of the Branch is dropped by Select, so its weights never reach the loss
    const model = Serial(Embedding(VOCAB, 8), Branch(Dense(N_TAGS), Dense(3)), Select([0], 2), LogSoftmax());
    const loop = await Loop(
      model,
      new TrainTask({ labeledData: taggingData(6), lossLayer: CrossEntropyLoss(), optimizer: new SGD({ learningRate: 0.1 }) }),
      quiet,
    );
    const unused = () => Array.from(namedTensors(loop.model).get('Serial/1/Branch/1/Parallel/1/Dense_3/w')!.dataSync());
    const before = unused();
    await loop.run(3);
    expect(unused()).toEqual(before);
    loop.dispose();
  });

  test('a separate eval model (dropout off) gets the trained weights', async () => {
    const build = (mode: 'train' | 'eval') =>
      Serial(Embedding(VOCAB, 8), Dense(16), Relu(), Dropout(0.5, { mode }), Dense(N_TAGS), LogSoftmax());
    const evalModel = build('eval');
    const accuracy: number[] = [];
    const loop = await Loop(build('train'), adamTask(7, 10), {
      ...quiet,
      evalModel,
      evalTasks: new EvalTask({ labeledData: taggingData(8), metrics: [WeightedCategoryAccuracy()] }),
      callbacks: [{ onEvaluation: (e) => void accuracy.push(e.metrics['eval/WeightedCategoryAccuracy']!) }],
    });
    await loop.run(10);
    const trained = namedTensors(loop.model);
    for (const [p, t] of namedTensors(evalModel)) expect(t).toBe(trained.get(p));
    expect(accuracy).toHaveLength(2); // evaluations at steps 1 and 10
    loop.dispose();
  });

  test('a model with a tf.customGrad layer trains with no extra configuration, as the plain one does', async () => {
    const build = (custom: boolean) => Serial(Embedding(VOCAB, 8), custom ? new CustomGradScale() : Scale(), Dense(N_TAGS), LogSoftmax());
    const train = async (custom: boolean) => {
      const loop = await Loop(
        build(custom),
        new TrainTask({ labeledData: taggingData(5), lossLayer: CrossEntropyLoss(), optimizer: new SGD({ learningRate: 0.5 }) }),
        quiet,
      );
      await loop.run(5);
      const w = new Map(
        [...namedTensors(loop.model)].map(([p, t]) => [p.replace(/CustomGradScale|PlainScale/, 'Scale'), Array.from(t.dataSync())]),
      );
      loop.dispose();
      return w;
    };
    const custom = await train(true);
    const plain = await train(false);
    expect(custom.get('Serial/1/Scale/s')).not.toEqual(Array.from(tf.linspace(0.5, 1.5, 8).dataSync()));
    for (const [p, values] of plain) values.forEach((v, i) => expect(custom.get(p)![i]).toBeCloseTo(v, 5));
  });
});

/** The plain counterpart of CustomGradScale. */
function Scale(): Layer {
  return new (class extends CustomGradScale {
    constructor() {
      super();
      this.name = 'PlainScale';
    }
    protected override forward(inputs: Stack, weights: Weights, state: State): [Stack, State] {
      return [(inputs as Tensor).mul(weights['s'] as Tensor), state];
    }
  })();
}
