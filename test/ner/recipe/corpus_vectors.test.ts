/**
 * The recipe's corpus and word-vector options end to end, with a tiny model: train, dev and test from three
 * CoNLL files (four columns, -DOCSTART-, --tag-column), the block split, GloVe-style vectors (frozen and
 * fine-tuned, projected to dModel), recipe.json replaying such a run bit-identically, eval reading the run's
 * split, predict with the exported tagger, and refusals naming the file and line.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { flattenTree } from '../../../src/core/tensor_tree.js';
import { readNerCorpus } from '../../../src/ner/dataset/load_corpus.js';
import { loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import type { Sentence } from '../../../src/ner/sentence.js';
import { runNerCli } from '../../../recipes/ner/cli.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';
import { SHIPPED_CORPUS, TINY, tempDir, tempFile } from './helpers.js';

jest.setTimeout(HANG_GUARD_MS);

const DIM = 8;
const WORD_EMBEDDING = '0/0/1/1/1/w';
const vectorOf = (i: number): number[] => Array.from({ length: DIM }, (_, k) => ((i * 5 + k * 3) % 13) / 4 - 1.5);

const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  const errors: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (t: string) => (errors.push(String(t)), true);
  try {
    const code = await runNerCli(args, (t) => (out += t));
    return { code, out, err: errors.join('') };
  } finally {
    process.stderr.write = write;
  }
};

/** CoNLL text in documents of 10 sentences: word, POS, the NER tag (column 2), and a last column of chunk-like noise. */
function conll(sentences: readonly Sentence[]): string {
  const lines: string[] = [];
  sentences.forEach((s, i) => {
    if (i % 10 === 0) lines.push('-DOCSTART- -X- -X- O', '');
    s.words.forEach((w, t) => lines.push(`${w} NN ${s.tags[t]} ${t === 0 ? 'B-NP' : 'I-NP'}`));
    lines.push('');
  });
  return lines.join('\n');
}

const report = (d: string) => JSON.parse(readFileSync(path.join(d, 'test_report.json'), 'utf8'));
const embeddingOf = async (modelDir: string): Promise<number[][]> =>
  new Map(flattenTree((await loadTaggerFromDirectory(modelDir)).members[0]!.model.weights)).get(WORD_EMBEDDING)!.arraySync() as number[][];

let files: { train: string; dev: string; test: string; vectors: string; config: string };
let vectorWords: string[];
let devOnly: string;
let frozenDir: string;

const common = (output: string) => [
  '-o',
  output,
  '--config',
  files.config,
  '--steps',
  '4',
  '--eval-every',
  '2',
  '--batch-tokens',
  '256',
  '--warmup-steps',
  '1',
  '--seed',
  '3',
  '--no-progress',
];

beforeAll(async () => {
  await useBackend('wasm');
  const sentences = await readNerCorpus(SHIPPED_CORPUS, { limit: 300 });
  const [train, dev, test] = [sentences.slice(0, 200), sentences.slice(200, 250), sentences.slice(250)];
  const trainWords = new Set(train.flatMap((s) => s.words.map((w) => w.toLowerCase())));
  devOnly = dev.flatMap((s) => s.words).find((w) => /^[a-z]{4,}$/.test(w) && !trainWords.has(w))!;
  const counts = new Map<string, number>();
  for (const w of train.flatMap((s) => s.words)) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + 1);
  vectorWords = [
    ...[...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 40)
      .map(([w]) => w),
    devOnly,
  ];
  const glove = vectorWords.map((w, i) => `${w} ${vectorOf(i).join(' ')}`).join('\n') + '\n';
  files = {
    train: tempFile('train.conll', conll(train)),
    dev: tempFile('dev.conll', conll(dev)),
    test: tempFile('test.conll', conll(test)),
    vectors: tempFile('glove.8d.txt', glove),
    config: tempFile('tiny.json', JSON.stringify({ ...TINY, crf: true })),
  };
});

describe('three CoNLL files, --tag-column, frozen GloVe vectors', () => {
  test('trains with the files as given, the vectors frozen in the exported tagger (a dev-only word included); predict and eval use it', async () => {
    frozenDir = tempDir();
    const r = await cli(
      'train',
      '--train',
      files.train,
      '--dev',
      files.dev,
      '--test',
      files.test,
      '--tag-column',
      '2',
      '--word-vectors',
      files.vectors,
      '--freeze-vectors',
      ...common(frozenDir),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('200 train, 50 dev, 50 test sentences (split: train: all of it;');
    expect(r.out).toMatch(
      /Word vectors .*glove\.8d\.txt: 41 of the corpus's word forms have a vector of dimension 8 \(lower-case: .*\); \d+ of \d+ vocabulary words start from one \(\d+ of them dev\/test words added to the vocabulary\), projected to dModel 32/,
    );
    const recipe = JSON.parse(readFileSync(path.join(frozenDir, 'recipe.json'), 'utf8'));
    expect(recipe.options).toEqual(
      expect.objectContaining({
        corpus: files.train,
        devCorpus: files.dev,
        testCorpus: files.test,
        tagColumn: 2,
        split: 'sentences',
        wordVectors: files.vectors,
        freezeVectors: true,
      }),
    );
    expect(recipe.options.model.wordVectorDim).toBe(DIM);
    const entries: string[] = recipe.vocabs.words.words;
    expect(entries).toContain(devOnly);
    // The tags came from column 2 (GMB's tags), not the last column.
    expect(report(frozenDir).score.overall.predicted + report(frozenDir).score.overall.gold).toBeGreaterThan(0);
    expect(report(frozenDir).sentences).toBe(50);

    const table = await embeddingOf(path.join(frozenDir, 'model'));
    let checked = 0;
    entries.forEach((entry, id) => {
      const i = vectorWords.indexOf(entry.toLowerCase());
      if (id > 1 && i >= 0) {
        expect(table[id]).toEqual(vectorOf(i));
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(30);

    const predicted = await cli('predict', '-m', path.join(frozenDir, 'model'), `The ${devOnly} in London .`);
    expect(predicted.code).toBe(0);
    expect(JSON.parse(predicted.out.trim().split('\n')[0]!)).toEqual(expect.objectContaining({ sentence: 0 }));
    const scored = await cli('eval', '-m', frozenDir, '--json');
    expect(scored.code).toBe(0);
    const json = JSON.parse(scored.out);
    expect(json.sentences).toBe(50);
    expect(json.score.overall.f1).toBe(report(frozenDir).score.overall.f1);
  });

  test('train --config <run>/recipe.json replays the run bit-identically', async () => {
    const replay = tempDir();
    const r = await cli('train', '--config', path.join(frozenDir, 'recipe.json'), '-o', replay, '--no-progress');
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(replay, 'model', 'weights.bin')).equals(readFileSync(path.join(frozenDir, 'model', 'weights.bin')))).toBe(
      true,
    );
    expect(report(replay).score).toEqual(report(frozenDir).score);
  });
});

describe('resuming a run with vectors', () => {
  test('takes the width and vocabulary from recipe.json and the weights from the checkpoint: the vectors file is not read again', async () => {
    const vectors = tempFile('glove.copy.txt', readFileSync(files.vectors));
    const dir = tempDir();
    const args = ['--train', files.train, '--word-vectors', vectors, '--freeze-vectors', ...common(dir)];
    expect((await cli('train', ...args.map((a) => (a === '4' ? '2' : a)))).code).toBe(0);
    rmSync(vectors);
    const resumed = await cli('train', ...args);
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('Resumed at step 2 of 4');
    expect(resumed.out).not.toContain('Word vectors');
    const recipe = JSON.parse(readFileSync(path.join(dir, 'recipe.json'), 'utf8'));
    const table = await embeddingOf(path.join(dir, 'model'));
    const the = (recipe.vocabs.words.words as string[]).indexOf('the');
    expect(table[the]).toEqual(vectorOf(vectorWords.indexOf('the')));
  });
});

describe('the block split with fine-tuned vectors', () => {
  test('fine-tunes the vectors; eval scores the same block split the run was tested on', async () => {
    const dir = tempDir();
    const r = await cli('train', '--train', files.train, '--split', 'blocks', '--word-vectors', files.vectors, ...common(dir));
    expect(r.code).toBe(0);
    expect(r.out).toContain('160 train, 20 dev, 20 test sentences (split: seed 1, 80/10/10 by block (document))');
    const recipe = JSON.parse(readFileSync(path.join(dir, 'recipe.json'), 'utf8'));
    expect(recipe.settings).toEqual(expect.objectContaining({ split: 'blocks', freezeVectors: false }));
    const table = await embeddingOf(path.join(dir, 'model'));
    const entries: string[] = recipe.vocabs.words.words;
    const the = entries.indexOf('the');
    expect(the).toBeGreaterThan(1);
    expect(table[the]).not.toEqual(vectorOf(vectorWords.indexOf('the')));
    const scored = await cli('eval', '-m', path.join(dir, 'model'), '--json');
    expect(scored.code).toBe(0);
    const json = JSON.parse(scored.out);
    expect(json.data).toContain('by block (document)');
    expect(json.sentences).toBe(20);
    expect(json.score).toEqual(report(dir).score);
  });
});

describe('refusals', () => {
  test('a malformed vectors file is refused naming the file and line, before training', async () => {
    const bad = tempFile('bad.txt', 'the 1 2 3\ncat 1 2\n');
    const r = await cli('train', '--train', files.train, '--word-vectors', bad, ...common(tempDir()));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:2: expected a word and 3 numbers, got 3 fields`);
  });

  test('a malformed dev file is named with its line; --train and --corpus must agree; --freeze-vectors needs vectors', async () => {
    const dev = tempFile('dev.conll', 'EU NNP B-ORG\n-DOCSTART- -X- O\n');
    const r = await cli('train', '--train', files.train, '--dev', dev, ...common(tempDir()));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${dev}:2: -DOCSTART- inside a sentence`);
    const both = await cli('train', '--train', files.train, '--corpus', files.dev, ...common(tempDir()));
    expect(both.code).toBe(2);
    expect(both.err).toContain("--corpus is --train's older name");
    const frozen = await cli('train', '--train', files.train, '--freeze-vectors', ...common(tempDir()));
    expect(frozen.code).toBe(2);
    expect(frozen.err).toContain('--freeze-vectors needs --word-vectors');
  });
});
