/**
 * The CLI's `eval` and `predict --file` with `--workers`: the same output for 1 and 2 workers, in process (the
 * library from its sources) and as a process (the bundles scripts/run.mjs makes, with the worker entry beside them).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNerCli } from '../../../recipes/ner/cli.js';
import { readNerCorpus } from '../../../src/ner/dataset/load_corpus.js';
import { exportTagger } from '../../../src/ner/export/node_files.js';
import type { Sentence } from '../../../src/ner/sentence.js';
import { trainTinyTagger } from '../../browser/tiny_tagger.js';
import { gmbCsv, SHIPPED_CORPUS, tempDir } from './helpers.js';

/** More than one inference batch (256 sentences), so that 2 workers share the work. */
const SENTENCES = 600;

let modelDir: string;
let goldFile: string;
let textFile: string;
let sentences: Sentence[];

beforeAll(async () => {
  const { tagger } = await trainTinyTagger({ sentences: SENTENCES, steps: 3 });
  const dir = tempDir();
  modelDir = await exportTagger(tagger, join(dir, 'model'));
  tagger.dispose();
  sentences = await readNerCorpus(SHIPPED_CORPUS, { limit: SENTENCES });
  goldFile = join(dir, 'gold.csv');
  writeFileSync(goldFile, gmbCsv(sentences));
  textFile = join(dir, 'text.txt');
  writeFileSync(textFile, sentences.map((s) => s.words.join(' ')).join('\n') + '\n');
});

const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
  let out = '';
  const code = await runNerCli(args, (t) => (out += t));
  return { code, out };
};

test('eval --workers 2 scores exactly as --workers 1', async () => {
  const one = await cli('eval', '-m', modelDir, '--file', goldFile, '--json', '--workers', '1');
  const two = await cli('eval', '-m', modelDir, '--file', goldFile, '--json', '--workers', '2');
  expect(one.code).toBe(0);
  expect(two).toEqual(one);
  expect(JSON.parse(one.out).sentences).toBe(SENTENCES);
});

test('predict --file --workers 2 prints exactly what --workers 1 does, one line per sentence, in order', async () => {
  const one = await cli('predict', '-m', modelDir, '--file', textFile, '--workers', '1');
  const two = await cli('predict', '-m', modelDir, '--file', textFile, '--workers', '2');
  expect(one.code).toBe(0);
  expect(two).toEqual(one);
  const lines = one.out.trim().split('\n');
  expect(lines.map((l) => (JSON.parse(l) as { sentence: number }).sentence)).toEqual(lines.map((_, i) => i));
});

test('as a process (bundled, the worker entry beside the bundle): predict --workers 2 equals --workers 1', () => {
  const run = (workers: string) =>
    spawnSync(
      process.execPath,
      ['scripts/run.mjs', 'recipes/ner.ts', 'predict', '-m', modelDir, '--file', textFile, '--workers', workers],
      {
        encoding: 'utf8',
      },
    );
  const one = run('1');
  const two = run('2');
  expect(two.stderr).toBe('');
  expect(two.status).toBe(0);
  expect(two.stdout).toBe(one.stdout);
  expect(two.stdout.trim().split('\n').length).toBeGreaterThan(SENTENCES / 2);
});

test('--workers must be a positive integer', async () => {
  const original = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = (t: string) => ((err += t), true);
  try {
    expect((await cli('predict', '-m', modelDir, '--workers', '0', 'a')).code).toBe(2);
  } finally {
    process.stderr.write = original;
  }
  expect(err).toMatch(/--workers/);
});
