/**
 * Data-parallel training (a Loop with `dataParallel`): 2 replicas equal 1 up to the order of float additions
 * (SGD, tolerance 2e-6 on the weights after 8 steps), bit-identical run to run, exact resume after the training
 * process was killed, and a worker that throws or dies ends the run with its error instead of hanging.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { useBackend } from '../../src/backend/backends.js';
import { CrossEntropyLoss } from '../../src/metrics/losses.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import { Adam, SGD, type Optimizer } from '../../src/optimizers/index.js';
import { Loop, TrainTask, type TrainingLoop } from '../../src/training/index.js';
import { taggerModel, taggingData } from '../training/helpers/tagging.js';
import type { TaggingReplicaInit } from './helpers/tagging_gradients.js';

const run = promisify(execFile);
const WORKER = path.resolve('test/parallel/helpers/tagging_gradients.ts');

async function tagging(options: {
  workers: number;
  optimizer?: Optimizer;
  outputDir?: string;
  init?: TaggingReplicaInit;
  logger?: (line: string) => void;
}): Promise<TrainingLoop> {
  const task = new TrainTask({
    labeledData: taggingData(21, { batchSize: 16 }),
    lossLayer: CrossEntropyLoss(),
    optimizer: options.optimizer ?? new Adam({ learningRate: 0.01 }),
    nStepsPerCheckpoint: 4,
  });
  return Loop(taggerModel(), task, {
    seed: 3,
    progress: false,
    logger: options.logger ?? (() => undefined),
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
    dataParallel: { workers: options.workers, module: WORKER, ...(options.init ? { init: options.init } : {}) },
  });
}

const weightsOf = (loop: TrainingLoop): Record<string, number[]> =>
  Object.fromEntries([...namedTensors(loop.model)].map(([p, t]) => [p, Array.from(t.dataSync())]));

describe('data-parallel training on worker threads', () => {
  let root: string;
  beforeAll(async () => {
    await useBackend('wasm');
    root = mkdtempSync(path.join(tmpdir(), 'trax-data-parallel-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('2 replicas train as 1 does, up to the order of float additions (SGD, 8 steps)', async () => {
    const weights: Array<Record<string, number[]>> = [];
    let initial: Record<string, number[]> = {};
    for (const workers of [1, 2]) {
      const loop = await tagging({ workers, optimizer: new SGD({ learningRate: 0.5 }) });
      initial = weightsOf(loop);
      await loop.run(8);
      weights.push(weightsOf(loop));
      loop.dispose();
    }
    const [one, two] = weights as [Record<string, number[]>, Record<string, number[]>];
    let maxDiff = 0;
    for (const [p, values] of Object.entries(one)) values.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(two[p]![i]! - v))));
    expect(maxDiff).toBeLessThanOrEqual(2e-6);
    // ...and they did train: the weights moved from their initial values by far more than that.
    let moved = 0;
    for (const [p, values] of Object.entries(initial)) values.forEach((v, i) => (moved = Math.max(moved, Math.abs(two[p]![i]! - v))));
    expect(moved).toBeGreaterThan(1e-2);
  });

  test('a given worker count gives the same run, bit for bit (Adam, 2 replicas, twice)', async () => {
    const runs: Array<Record<string, number[]>> = [];
    for (let i = 0; i < 2; i++) {
      const loop = await tagging({ workers: 2 });
      await loop.run(6);
      runs.push(weightsOf(loop));
      loop.dispose();
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  test('killed after a checkpoint, a run resumes with 2 workers exactly as if never stopped', async () => {
    const straight = await tagging({ workers: 2, outputDir: path.join(root, 'straight') });
    await straight.run(10);
    const expected = weightsOf(straight);
    straight.dispose();
    const dir = path.join(root, 'killed');
    // The child trains with 2 workers, checkpoints at step 4 and 8, and is killed (SIGKILL) after step 9.
    await expect(
      run(process.execPath, ['scripts/run.mjs', 'test/parallel/helpers/killed_child.ts', dir, WORKER], { cwd: process.cwd() }),
    ).rejects.toMatchObject({ signal: 'SIGKILL' });
    const lines: string[] = [];
    const resumed = await tagging({ workers: 2, outputDir: dir, logger: (l) => lines.push(l) });
    expect(resumed.step).toBe(8);
    await resumed.run(2);
    expect(weightsOf(resumed)).toEqual(expected);
    resumed.dispose();
    // Resuming with another worker count is allowed, and says so.
    const other = await tagging({ workers: 1, outputDir: dir, logger: (l) => lines.push(l) });
    expect(lines.some((l) => /Restored the checkpoint .* \(written with 2 workers, resumed with 1\)/.test(l))).toBe(true);
    other.dispose();
  });

  test('a worker that throws ends the run with its error', async () => {
    const loop = await tagging({ workers: 2, init: { fail: 'throw' } });
    await expect(loop.run(3)).rejects.toThrow(/the replica failed on purpose/);
    loop.dispose();
  });

  test('a worker that dies ends the run with an error saying so, not a hang', async () => {
    const loop = await tagging({ workers: 2, init: { fail: 'exit' } });
    await expect(loop.run(3)).rejects.toThrow(/exit/i);
    loop.dispose();
  });
});
