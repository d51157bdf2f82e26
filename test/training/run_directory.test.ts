/**
 * The Loop through a RunDirectory: in memory (as in a page) it resumes exactly as on files, its metric records
 * are the history and reach listeners as they come, and rolling checkpoints replace each other. The browser-safe
 * Loop refuses a folder path with a message saying what to pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Dense } from '../../src/layers/core/index.js';
import { L2Loss } from '../../src/metrics/losses.js';
import { SGD } from '../../src/optimizers/index.js';
import { type MetricRecord, MemoryRunDirectory, TrainTask } from '../../src/training/index.js';
import { Loop as BrowserLoop } from '../../src/training/browser.js';
import { describeOnBackends } from '../helpers/backends.js';
import { makeLoop, snapshot } from './helpers/tagging.js';

describeOnBackends('Loop on a MemoryRunDirectory', (backend) => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'trax-memory-run-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('10 steps, then a new Loop on the same directory and 10 more, equal 20 steps straight on files', async () => {
    const straight = await makeLoop({ outputDir: path.join(root, `straight-${backend}`) });
    await straight.run(20);
    const expected = snapshot(straight);
    straight.dispose();

    const run = new MemoryRunDirectory('resume');
    const heard: MetricRecord[][] = [];
    run.onMetrics((added) => heard.push([...added]));
    const first = await makeLoop({ outputDir: run });
    await first.run(10);
    first.dispose();
    expect(run.checkpointNames).toEqual(['checkpoint-000010']);
    const second = await makeLoop({ outputDir: run });
    expect(second.step).toBe(10);
    expect(second.lastCheckpoint).toEqual({ step: 10, dir: 'checkpoint-000010' });
    await second.run(10);
    const got = snapshot(second);
    const tolerance = backend === 'cpu' ? 0 : 1e-6;
    expect(got.step).toBe(20);
    for (const [p, values] of Object.entries(expected.weights)) {
      values.forEach((v, i) => expect(Math.abs(got.weights[p]![i]! - v)).toBeLessThanOrEqual(tolerance));
    }
    expect(got.history.length).toBe(expected.history.length);
    // The records are the whole history once, and listeners heard every evaluation's records as they came.
    expect(run.metrics).toEqual(got.history);
    expect(heard.length).toBeGreaterThan(4);
    expect(run.checkpointNames).toEqual(['checkpoint-000020']);
    second.dispose();
  });

  test('recordMetrics adds values measured outside the loop to the history and the records', async () => {
    const run = new MemoryRunDirectory();
    const loop = await makeLoop({ outputDir: run });
    await loop.run(2);
    await loop.recordMetrics([{ mode: 'eval', task: 0, name: 'entity_f1', value: 0.5 }]);
    expect(loop.history.get('eval', 'entity_f1')).toEqual([[2, 0.5]]);
    expect(run.metrics[run.metrics.length - 1]).toEqual({ step: 2, mode: 'eval', task: 0, name: 'entity_f1', value: 0.5 });
    loop.dispose();
  });
});

test('the browser-safe Loop refuses a folder path, naming it and what to pass instead', async () => {
  const model = Dense(1);
  const task = new TrainTask({ labeledData: async function* () {}, lossLayer: L2Loss(), optimizer: new SGD() });
  await expect(BrowserLoop(model, task, { outputDir: 'runs/a' })).rejects.toThrow(
    "Loop: outputDir 'runs/a' is a folder path, which needs Node's file system; here pass a RunDirectory (new MemoryRunDirectory())",
  );
});
