/** The language-model recipe end to end, on a tiny model: train, resume, metrics, checkpoint, generate, refusals. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharVocab } from '../../recipes/lm/char_vocab.js';
import { runLmCli } from '../../recipes/lm/cli.js';
import { progressLine } from '../../recipes/lm/progress.js';
import { latestCheckpoint } from '../../src/training/checkpoint.js';
import { HANG_GUARD_MS } from '../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const TINY = [
  '--limit',
  '300',
  '--eval-every',
  '2',
  '--log-every',
  '1',
  '--d-model',
  '16',
  '--d-ff',
  '16',
  '--layers',
  '1',
  '--heads',
  '1',
  '--seq-len',
  '16',
  '--batch-size',
  '2',
  '--sample-length',
  '12',
  '--final-eval-chars',
  '256',
  '--backend',
  'cpu',
];

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (t: string) => ((err += t), true);
  try {
    const code = await runLmCli(args, (t) => (out += t));
    return { code, out, err };
  } finally {
    process.stderr.write = write;
    process.exitCode = undefined;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trax-lm-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('npm run lm', () => {
  test('a tiny run writes lm.json, metrics (bits per character = loss / ln 2), samples, a checkpoint and the held-out score; it resumes', async () => {
    const first = await cli(['--output', dir, '--steps', '4', ...TINY]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/step 3\/4 +loss \d+\.\d{4} \(\d+\.\d\d bits\/char\) +\d+\.\d\d steps\/s +elapsed \d+s +ETA \d+s/);
    expect(first.out).toMatch(/Step 2 sample: "The president.{12}"/);
    expect(await latestCheckpoint(dir)).toMatch(/checkpoint-000004$/);
    const records = (await fs.readFile(path.join(dir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; mode: string; name: string; value: number });
    for (const step of [2, 4]) {
      const at = (name: string) => records.find((r) => r.step === step && r.mode === 'eval' && r.name === name)!.value;
      expect(at('BitsPerCharacter')).toBeCloseTo(at('CrossEntropyLoss') / Math.LN2, 5);
    }
    const results = JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8')) as {
      step: number;
      heldOutBitsPerChar: number;
      heldOutChars: number;
    };
    expect(results.step).toBe(4);
    expect(results.heldOutChars).toBe(256);
    // An untrained model over ~70 characters scores about log2(70) bits; one that learnt nothing could not be below 2.
    expect(results.heldOutBitsPerChar).toBeGreaterThan(2);
    expect(results.heldOutBitsPerChar).toBeLessThan(8);
    expect((await fs.readFile(path.join(dir, 'samples.txt'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);

    const resumed = await cli(['--output', dir, '--steps', '6', ...TINY]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/Resumed at step 4 of 6/);
    expect(await latestCheckpoint(dir)).toMatch(/checkpoint-000006$/);
    const other = await cli(['--output', dir, '--steps', '6', ...TINY, '--d-model', '32']);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/^trax-lm: .* holds a run with dModel 16, not 32/);
  });

  test('generate continues a prompt by the requested number of characters, deterministic with a seed (also past the window)', async () => {
    const gen = async (seed: string, extra: string[] = []) => {
      const r = await cli(['generate', 'The president', '--dir', dir, '--length', '40', '--seed', seed, '--backend', 'cpu', ...extra]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out.startsWith('The president')).toBe(true);
      return r.out.replace(/\n$/, '');
    };
    const a = await gen('3');
    expect([...a.slice('The president'.length)]).toHaveLength(40);
    expect(await gen('3')).toBe(a);
    expect(await gen('4')).not.toBe(a);
    const greedy = await gen('1', ['--temperature', '0']);
    expect(await gen('2', ['--temperature', '0'])).toBe(greedy);
    expect([...(await gen('5', ['--top-k', '1']))]).toEqual([...greedy]);
  });

  test('bad options and directories are refused with one line', async () => {
    for (const args of [
      ['generate', 'x', '--dir', dir, '--length', '0'],
      ['generate', 'x', '--dir', dir, '--temperature', '-1'],
      ['generate', 'x', '--dir', dir, '--top-k', 'many'],
      ['generate', '\u{1F600}', '--dir', dir, '--backend', 'cpu'],
      ['--steps', '0'],
      ['--seq-len', '20', '--attention', 'lsh', '--chunk-len', '8'],
      ['--d-model', '10', '--heads', '3'],
      ['--output', path.join(dir, 'other'), ...TINY, '--prompt', '\u{1F600}'],
      ['--bogus'],
      ['sing'],
    ]) {
      const r = await cli(args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const none = await cli(['generate', 'x', '--dir', path.join(dir, 'nothing')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/not a language-model run \(no lm.json\)/);
  });
});

describe('recipe parts', () => {
  test('the character vocabulary: start id 0, code-point order, round trip, refusals', () => {
    const v = CharVocab.fromTexts('ba', 'c a');
    expect(v.chars).toEqual([' ', 'a', 'b', 'c']);
    expect(v.size).toBe(5);
    expect([...v.encode('cab')]).toEqual([4, 2, 3]);
    expect(v.decode([0, 4, 2, 3])).toBe('cab');
    expect(v.unknown('abz!z')).toEqual(['z', '!']);
    expect(() => v.encode('z')).toThrow(/"z" is not in the model's vocabulary/);
  });

  test('progress line: speed and ETA of the steps left', () => {
    expect(progressLine({ step: 150, total: 1200, done: 100, seconds: 50, loss: Math.LN2 * 3 })).toBe(
      'step 150/1200  loss 2.0794 (3.00 bits/char)  2.00 steps/s  elapsed 50s  ETA 8m45s',
    );
  });
});
