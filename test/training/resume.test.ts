import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tf } from '../../src/backend/tf.js';
import { describeOnBackends } from '../helpers/backends.js';
import { makeLoop, snapshot } from './helpers/tagging.js';

const run = promisify(execFile);

type Snapshot = ReturnType<typeof snapshot>;

function expectSameRun(a: Snapshot, b: Snapshot, tolerance: number): void {
  expect(b.step).toBe(a.step);
  expect(Object.keys(b.weights)).toEqual(Object.keys(a.weights));
  for (const [p, values] of Object.entries(a.weights)) {
    const other = b.weights[p]!;
    if (tolerance === 0) expect(other).toEqual(values);
    else values.forEach((v, i) => expect(Math.abs(other[i]! - v)).toBeLessThanOrEqual(tolerance));
  }
  expect(b.history.length).toBe(a.history.length);
  a.history.forEach((r, i) => {
    const { value, ...rest } = r as { value: number };
    const { value: otherValue, ...otherRest } = b.history[i] as { value: number };
    expect(otherRest).toEqual(rest);
    if (tolerance === 0) expect(otherValue).toBe(value);
    else expect(Math.abs(otherValue - value)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(value)));
  });
}

describeOnBackends('exact resume from a checkpoint', (backend) => {
  const tolerance = backend === 'cpu' ? 0 : 1e-6;
  let root: string;
  let straight: Snapshot;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'trax-resume-'));
    const loop = await makeLoop({ outputDir: path.join(root, 'straight') });
    await loop.run(20);
    straight = snapshot(loop);
    loop.dispose();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('20 steps straight equal 10 steps, then a new Loop restoring the checkpoint and 10 more', async () => {
    const dir = path.join(root, 'in-process');
    const first = await makeLoop({ outputDir: dir });
    await first.run(10);
    first.dispose();
    const lines: string[] = [];
    const second = await makeLoop({ outputDir: dir, logger: (l) => lines.push(l) });
    expect(second.step).toBe(10);
    expect(lines[0]).toMatch(/^Step {5}10: Restored the checkpoint .*checkpoint-000010$/);
    await second.run(10);
    expectSameRun(straight, snapshot(second), tolerance);
    // the metrics file holds the whole history once
    const records = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toEqual(snapshot(second).history);
    second.dispose();
  });

  test('the same, resumed in a fresh Node process (a bundle made by scripts/run.mjs)', async () => {
    const dir = path.join(root, 'child');
    const first = await makeLoop({ outputDir: dir });
    await first.run(10);
    first.dispose();
    const out = path.join(root, `child-${backend}.json`);
    await run(process.execPath, ['scripts/run.mjs', 'test/training/helpers/resume_child.ts', dir, '10', backend, out], {
      cwd: process.cwd(),
    });
    const child = JSON.parse(readFileSync(out, 'utf8')) as Snapshot & { restoredAt: number };
    expect(child.restoredAt).toBe(10);
    expectSameRun(straight, child, tolerance);
  });

  test('a fixed seed gives a reproducible training curve', async () => {
    const again = await makeLoop();
    await again.run(20);
    const curve = (s: Snapshot) => s.history.filter((r) => (r as { name: string }).name === 'CrossEntropyLoss');
    expect(curve(snapshot(again))).toEqual(curve(straight));
    again.dispose();
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });
});
