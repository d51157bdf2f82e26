/**
 * The recipe's ensembles on a small slice of the shipped corpus with a tiny CRF model: `train --ensemble 2` trains
 * two ordinary member runs with consecutive seeds (a finished plain run is taken as member 1), tests and exports
 * their ensemble, skips finished members and resumes unfinished ones; eval, predict and export take ensemble run
 * and model directories; `--jobs 2` trains members in processes of their own, to the same weights, and stops on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { openTagger, runNerCli } from '../../../recipes/ner/cli.js';
import { readRunState } from '../../../recipes/ner/run_state.js';
import { taggerFromRun } from '../../../recipes/ner/run_tagger.js';
import { TINY, tempDir, tempFile } from './helpers.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const TEXT = 'Thousands of demonstrators have marched through London. President Bush met officials in Baghdad on Monday.';

let config: string;
let dir: string;

const cli = async (...args: string[]): Promise<{ code: number; out: string; lines: string[] }> => {
  let out = '';
  const code = await runNerCli(args, (t) => (out += t));
  return { code, out, lines: out.split('\n') };
};

/** `train` on 400 sentences, 6 steps, seed 7 (plus `extra`). */
const train = (output: string, ...extra: string[]) =>
  cli(
    'train',
    '--output',
    output,
    '--config',
    config,
    '--limit',
    '400',
    '--steps',
    '6',
    '--eval-every',
    '3',
    '--dev-sentences',
    '40',
    '--batch-tokens',
    '256',
    '--warmup-steps',
    '2',
    '--seed',
    '7',
    '--backend',
    'wasm',
    '--no-progress',
    ...extra,
  );

const report = (d: string) => JSON.parse(readFileSync(path.join(d, 'test_report.json'), 'utf8'));

beforeAll(async () => {
  await useBackend('wasm');
  config = tempFile('tiny.json', JSON.stringify({ ...TINY, crf: true, charFeatures: false }));
  dir = tempDir();
});

describe('train --ensemble 2', () => {
  test('takes a finished plain run as member 1, trains member 2 with the next seed, tests and exports the ensemble', async () => {
    expect((await train(path.join(dir, 'member-1'))).code).toBe(0);
    const first = await train(dir, '--ensemble', '2');
    expect(first.code).toBe(0);
    expect(first.lines).toContainEqual(expect.stringMatching(/^Ensemble member 1 of 2 \(seed 7, .*member-1\): finished, skipped/));
    expect(first.lines).toContainEqual(expect.stringMatching(/^Ensemble member 2 of 2: training with seed 8 in .*member-2/));
    expect(first.lines.filter((l) => /^Trained 6 steps/.test(l))).toHaveLength(1);
    expect((await readRunState(path.join(dir, 'member-1')))!.settings.seed).toBe(7);
    expect((await readRunState(path.join(dir, 'member-2')))!.settings.seed).toBe(8);
    for (const member of ['member-1', 'member-2']) {
      for (const file of ['test_report.txt', 'test_report.json', 'dev_f1.jsonl', 'best_dev_f1.json', 'model/tagger.json'])
        expect(existsSync(path.join(dir, member, file))).toBe(true);
    }

    // The ensemble's reports: the conlleval table, and the members' own scores.
    const text = readFileSync(path.join(dir, 'test_report.txt'), 'utf8');
    expect(text).toMatch(/^Test split \(\d+ sentences\), ensemble of 2 members \(seeds 7\.\.8; members' test entity F1 /);
    expect(text).toMatch(/processed \d+ tokens with \d+ phrases; found: \d+ phrases; correct: \d+\./);
    const json = report(dir);
    expect(json.members.map((m: { dir: string; seed: number }) => [m.dir, m.seed])).toEqual([
      ['member-1', 7],
      ['member-2', 8],
    ]);
    json.members.forEach((m: { testF1: number; devF1: number }, i: number) => {
      expect(m.testF1).toBe(report(path.join(dir, `member-${i + 1}`)).score.overall.f1);
      expect(m.devF1).toBe(report(path.join(dir, `member-${i + 1}`)).devF1);
    });
    expect(typeof json.devF1).toBe('number');
    expect(json.conlleval.fb1).toBeCloseTo(100 * json.score.overall.f1, 8);

    // The exported ensemble is the ensemble of the members' best checkpoints, and scores as the report says.
    const model = await loadTaggerFromDirectory(path.join(dir, 'model'));
    expect(model.isEnsemble).toBe(true);
    expect(model.members).toHaveLength(2);
    const fromRun = (await taggerFromRun(dir))!;
    expect(fromRun.checkpoints.map((c) => path.relative(dir, c))).toEqual([
      path.join('member-1', 'best_dev_f1'),
      path.join('member-2', 'best_dev_f1'),
    ]);
    expect(model.tag(TEXT)).toEqual(fromRun.tagger.tag(TEXT));
    const scored = await cli('eval', '-m', path.join(dir, 'model'), '--limit', '400', '--json');
    expect(JSON.parse(scored.out).score.overall.f1).toBe(json.score.overall.f1);
  });

  test('each member is the run a plain train with its seed makes', async () => {
    const plain = tempDir();
    expect((await train(plain, '--seed', '8')).code).toBe(0);
    expect(report(plain).score).toEqual(report(path.join(dir, 'member-2')).score);
  });

  test('run again, it skips finished members; with more steps, it resumes each', async () => {
    const again = await train(dir, '--ensemble', '2');
    expect(again.code).toBe(0);
    expect(again.lines.filter((l) => /^Ensemble member \d of 2 .*finished, skipped/.test(l))).toHaveLength(2);
    expect(again.out).not.toMatch(/Trained \d+ steps|training with seed/);
    const more = await train(dir, '--ensemble', '2', '--steps', '8');
    expect(more.code).toBe(0);
    expect(more.lines.filter((l) => /^Resumed at step 6 of 8/.test(l))).toHaveLength(2);
    expect(more.lines.filter((l) => /^Trained 2 steps/.test(l))).toHaveLength(2);
    expect((await loadTaggerFromDirectory(path.join(dir, 'model'))).members).toHaveLength(2);
  });

  test('predict, eval and export take ensemble run directories; an unexported ensemble run opens from its members', async () => {
    const predicted = await cli('predict', '-m', dir, TEXT);
    expect(predicted.code).toBe(0);
    expect(predicted.out.trim().split('\n')).toHaveLength(2);
    const exported = tempDir();
    const done = await cli('export', '--from', dir, '--to', exported);
    expect(done.code).toBe(0);
    expect(done.out).toMatch(/^Exported the ensemble of 2 members \(member-1\/best_dev_f1, member-2\/best_dev_f1\)/);
    const model = await loadTaggerFromDirectory(path.join(dir, 'model'));
    expect((await loadTaggerFromDirectory(exported)).tag(TEXT)).toEqual(model.tag(TEXT));
    await fs.rm(path.join(dir, 'model'), { recursive: true });
    expect((await openTagger(dir)).tag(TEXT)).toEqual(model.tag(TEXT));
  });

  test('refuses a plain run on an ensemble directory, an ensemble on a plain run directory, and --ensemble 0', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (t: string) => (errors.push(String(t)), true);
    try {
      expect((await train(dir)).code).toBe(1);
      expect((await train(path.join(dir, 'member-1'), '--ensemble', '2')).code).toBe(1);
      expect((await train(dir, '--ensemble', '0')).code).not.toBe(0);
    } finally {
      process.stderr.write = write;
    }
    const text = errors.join('');
    expect(text).toMatch(
      /holds an ensemble of 2 members \(ensemble\.json\); train it with --ensemble 2, or use another --output directory/,
    );
    expect(text).toMatch(/member-1 holds a single run \(recipe\.json\); an ensemble's members go in member-1, member-2, \.\.\. there/);
    expect(text).toMatch(/--ensemble <n>.*expected an integer >= 1, got '0'/);
  });
});

describe('train --ensemble n --jobs 2 (members in processes of their own)', () => {
  /** The CLI as a process (member processes are forked from its bundle); `interruptAfter`: send SIGINT at the first member step line. */
  const trainProcess = (output: string, extra: string[], interruptAfter?: RegExp): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve, reject) => {
      const args = [
        'scripts/run.mjs',
        'recipes/ner.ts',
        'train',
        '--output',
        output,
        '--config',
        config,
        '--limit',
        '400',
        '--eval-every',
        '3',
        '--dev-sentences',
        '40',
        '--batch-tokens',
        '256',
        '--warmup-steps',
        '2',
        '--seed',
        '7',
        '--backend',
        'wasm',
        '--no-progress',
        ...extra,
      ];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let interrupted = false;
      const take = (chunk: Buffer): void => {
        out += chunk.toString('utf8');
        if (interruptAfter && !interrupted && interruptAfter.test(out)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
  const weights = (d: string, member: string): Buffer => readFileSync(path.join(d, member, 'model', 'weights.bin'));

  test(
    'trains the members at the same time to the same weights as one after another, and resumes after Ctrl-C',
    async () => {
      const parallel = tempDir();
      const result = await trainProcess(parallel, ['--steps', '6', '--ensemble', '3', '--jobs', '2']);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^Training 3 members, 2 at a time \(a process each\)/m);
      for (const k of [1, 2, 3]) {
        expect(result.out).toMatch(
          new RegExp(`^Ensemble member ${k} of 3: training with seed ${6 + k} in .*member-${k} \\(own process\\)`, 'm'),
        );
        expect(result.out).toMatch(new RegExp(`^\\[member ${k}\\] Trained 6 steps`, 'm'));
      }
      expect(result.out).toMatch(/^Exported the ensemble to /m);
      const sequential = tempDir();
      expect((await train(sequential, '--ensemble', '3')).code).toBe(0);
      for (const member of ['member-1', 'member-2', 'member-3'])
        expect(weights(parallel, member).equals(weights(sequential, member))).toBe(true);
      expect(report(parallel).score).toEqual(report(sequential).score);

      // Ctrl-C stops the running members after their step, leaving runs that resume to the same weights.
      const stopped = tempDir();
      const first = await trainProcess(
        stopped,
        ['--steps', '30', '--ensemble', '2', '--jobs', '2'],
        /\[member \d\] Step +\d+: dev entity F1/,
      );
      expect(first.code).toBe(130);
      expect(first.out).toMatch(/^\[member \d\] Stopped at step \d+; checkpoint written/m);
      expect(first.out).toMatch(/^Stopped before the ensemble's members finished; run the same command again to resume\./m);
      expect(existsSync(path.join(stopped, 'model'))).toBe(false);
      const resumed = await trainProcess(stopped, ['--steps', '30', '--ensemble', '2', '--jobs', '2']);
      expect(resumed.code).toBe(0);
      expect(resumed.out).toMatch(/^\[member \d\] Resumed at step \d+ of 30/m);
      const straight = tempDir();
      expect((await train(straight, '--steps', '30', '--ensemble', '2')).code).toBe(0);
      for (const member of ['member-1', 'member-2']) expect(weights(stopped, member).equals(weights(straight, member))).toBe(true);
    },
    HANG_GUARD_MS,
  );

  test('in-process, without the recipe entry point to fork members from, --jobs 2 is refused with the reason', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (t: string) => (errors.push(String(t)), true);
    try {
      expect((await train(tempDir(), '--ensemble', '2', '--jobs', '2')).code).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toMatch(/jobs 2: training members in parallel needs the recipe.s entry point to start member processes from/);
  });
});
