/**
 * The recipe and the exported-model files under faults and bad input: output directories that cannot be made,
 * damaged exports, refused options, damaged run files. Fast: random tiny taggers, no training unless named.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { TaggerLoadError } from '../../../src/ner/export/format.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { DirectoryError, makeDirectory, writeFileAtomic } from '../../../src/training/atomic_fs.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { trainNer } from '../../../recipes/ner/train.js';
import { CorpusError } from '../../../src/ner/corpus/corpus_error.js';
import { readNerCorpus } from '../../../src/ner/dataset/load_corpus.js';
import { runNerCli } from '../../../recipes/ner/cli.js';
import { readBest } from '../../../recipes/ner/dev_f1.js';
import { readRunState } from '../../../recipes/ner/run_state.js';
import { randomMember } from '../tagger/helpers.js';
import { SENTENCES, SHIPPED_CORPUS, TINY, gmbCsv, quickRecipeOptions, tempDir } from './helpers.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';

// Hang guard: the defects below hung forever; a refusal takes well under a second.
jest.setTimeout(HANG_GUARD_MS);

beforeAll(async () => {
  await useBackend('wasm');
});

const options = quickRecipeOptions;

describe('output directories that cannot be made', () => {
  test('makeDirectory makes missing levels and refuses, naming the level, a path under a file or under /proc', async () => {
    const dir = tempDir();
    await makeDirectory(path.join(dir, 'a', 'b', 'c'));
    expect((await fs.stat(path.join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    await makeDirectory(path.join(dir, 'a', 'b')); // exists: fine
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(makeDirectory(path.join(dir, 'file', 'sub'))).rejects.toThrow(DirectoryError);
    await expect(makeDirectory(path.join(dir, 'file', 'sub'))).rejects.toThrow(/exists and is not a directory/);
    await expect(makeDirectory('/proc/trax-ts-x/y')).rejects.toThrow(/cannot create the directory \/proc\/trax-ts-x\/y: \/proc\/trax-ts-x/);
  });

  test('exportTagger to /proc/x is refused, not a hang', async () => {
    const tagger = new NerTagger(randomMember(1));
    await expect(exportTagger(tagger, '/proc/trax-ts-export')).rejects.toThrow(/cannot create the directory \/proc\/trax-ts-export/);
  });

  test('train -o /proc/x is refused before the corpus is read, not a hang', async () => {
    await expect(trainNer(options('/proc/trax-ts-train'), { log: () => undefined, progress: false })).rejects.toThrow(
      /cannot create the directory \/proc\/trax-ts-train/,
    );
  });
});

describe('the CLI writing to a closed pipe or a full disk (as a process)', () => {
  let modelDir: string;
  let textFile: string;
  beforeAll(async () => {
    modelDir = await exportTagger(new NerTagger(randomMember(3)), tempDir());
    // Enough sentences that the output far exceeds a pipe's buffer.
    textFile = path.join(tempDir(), 'text.txt');
    writeFileSync(textFile, Array.from({ length: 1500 }, (_, i) => `George Bush visited Iraq in ${1900 + (i % 100)}.`).join(' '));
  });
  const ner = (redirect: string): { status: number; stdout: string; stderr: string } => {
    const script = `node scripts/run.mjs recipes/ner.ts predict -m '${modelDir}' --file '${textFile}' 2>"$ERR" ${redirect}; echo "status=\${PIPESTATUS[0]}"`;
    const err = path.join(tempDir(), 'stderr.txt');
    const out = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, ERR: err } });
    return { status: Number(/status=(\d+)/.exec(out.stdout)?.[1]), stdout: out.stdout, stderr: readFileSync(err, 'utf8') };
  };

  test('predict | head -c 100 ends quietly with exit code 0 (EPIPE)', () => {
    const r = ner('| head -c 100');
    expect(r.stdout.startsWith('{"sentence":0')).toBe(true);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('predict > /dev/full exits 1 with one clear line (ENOSPC)', () => {
    const r = ner('> /dev/full');
    expect(r.stderr).toBe('trax-ner: cannot write the output: no space left on the device (ENOSPC)\n');
    expect(r.status).toBe(1);
  });
});

/** Runs the CLI in-process; returns its exit code, stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
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
}

describe('options are validated before anything is written', () => {
  test('trainNer refuses unkRate 2 and averageDecay 2 naming the setting and flag, and stores no recipe.json', async () => {
    for (const [extra, message] of [
      [{ unkRate: 2 }, /unkRate \(--unk-rate\) must be a number in \[0, 1\), got 2/],
      [{ averageDecay: 2 }, /averageDecay \(--average-decay\) must be a number in \[0, 1\), got 2/],
      [{ learningRate: 0 }, /learningRate \(--lr\) must be a positive number, got 0/],
      [{ steps: 0 }, /steps \(--steps\) must be an integer >= 1, got 0/],
    ] as const) {
      const dir = tempDir();
      await expect(trainNer(options(dir, extra), { log: () => undefined, progress: false })).rejects.toThrow(message);
      expect(existsSync(path.join(dir, 'recipe.json'))).toBe(false);
      expect(await readRunState(dir)).toBeUndefined();
    }
  });

  test("the CLI refuses --unk-rate 2, --average-decay 2, --steps '', ' ', 0x2 and --lr 0 at once, writing nothing", async () => {
    const dir = path.join(tempDir(), 'run');
    for (const [args, message] of [
      [['--unk-rate', '2'], /option '--unk-rate <p>' argument '2' is invalid. expected a number in \[0, 1\), got '2'/],
      [['--average-decay', '2'], /option '--average-decay <d>' argument '2' is invalid/],
      [['--steps', ''], /option '--steps <n>' argument '' is invalid. expected an integer >= 1/],
      [['--steps', ' '], /option '--steps <n>' argument ' ' is invalid/],
      [['--steps', '0x2'], /option '--steps <n>' argument '0x2' is invalid/],
      [['--lr', '0'], /option '--lr <rate>' argument '0' is invalid. expected a positive number, got '0'/],
    ] as const) {
      const r = await cli('train', '--corpus', SHIPPED_CORPUS, '-o', dir, ...args);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(message);
      expect(existsSync(dir)).toBe(false);
    }
  });
});

describe('late or unclear refusals made early and clear', () => {
  test('a 2-sentence corpus is refused naming the split counts', async () => {
    const corpus = path.join(tempDir(), 'two.csv');
    writeFileSync(corpus, gmbCsv(SENTENCES.slice(0, 2)));
    await expect(trainNer(options(tempDir(), { corpus, limit: 0 }), { log: () => undefined, progress: false })).rejects.toThrow(
      /two\.csv: 2 sentence\(s\) are too few to train on: the split \(seed 1, 80\/10\/10 by sentence\) gives \d train, \d dev, \d test sentences/,
    );
  });

  test('a truncated recipe.json is refused naming the file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'recipe.json'), '{"format":"trax-ts-ner-run","vers');
    await expect(readRunState(dir)).rejects.toThrow(new RegExp(`${dir}/recipe\\.json: damaged, not valid JSON`));
    await expect(trainNer(options(dir), { log: () => undefined, progress: false })).rejects.toThrow(/recipe\.json: damaged/);
  });

  test('a damaged best_dev_f1.json is refused naming the file, not ignored', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'best_dev_f1.json'), '');
    await expect(readBest(dir)).rejects.toThrow(/best_dev_f1\.json: damaged/);
    expect(await readBest(tempDir())).toBeUndefined();
  });

  test('CoNLL and GMB tag-sequence errors name the line', async () => {
    const conll = path.join(tempDir(), 'bad.txt');
    writeFileSync(conll, 'London B-geo\n. O\n\nThe O\nsaid O\nParis I-geo\n');
    await expect(readNerCorpus(conll)).rejects.toThrow(/bad\.txt:6: sentence 2: .*I-geo.* \(the tagger needs IOB2 tags\)/);
    const csv = path.join(tempDir(), 'bad.csv');
    writeFileSync(csv, 'Sentence #,Word,POS,Tag\nSentence: 1,London,NNP,B-geo\n,said,VBD,O\n,Paris,NNP,I-geo\n');
    await expect(readNerCorpus(csv)).rejects.toThrow(/bad\.csv:4: sentence 1: /);
  });

  test("a binary corpus's message is one short line, not its raw bytes", async () => {
    const bytes = new Uint8Array(3000).map((_, i) => (i * 7919 + 13) % 256);
    for (const name of ['binary.csv', 'binary.txt']) {
      const file = path.join(tempDir(), name);
      writeFileSync(file, bytes);
      const error = await readNerCorpus(file).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(CorpusError);
      expect(error!.message).toMatch(/NUL byte: this is a binary file, not text/);
      expect(error!.message.length).toBeLessThan(250);
    }
    // A garbled text file without NUL bytes: the quoted excerpt is short and escaped.
    const garbled = path.join(tempDir(), 'garbled.txt');
    writeFileSync(garbled, `a O\n${'\u0001\u0002 x y '.repeat(100)}\n`);
    const error = await readNerCorpus(garbled).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error!.message.length).toBeLessThan(250);
    expect(error!.message).toMatch(/garbled\.txt:2: expected 2 columns like the first token line, got \d+: "\\u0001\\u0002 x y /);
  });

  test('predict --file decodes latin-1 (cp1252) text as the corpus reader does', async () => {
    const modelDir = await exportTagger(new NerTagger(randomMember(4)), tempDir());
    const file = path.join(tempDir(), 'latin1.txt');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('Angela Merkel besuchte Z', 'latin1'),
        Buffer.from([0xfc]),
        Buffer.from('rich und K', 'latin1'),
        Buffer.from([0xf6]),
        Buffer.from('ln.', 'latin1'),
      ]),
    );
    const r = await cli('predict', '-m', modelDir, '--file', file);
    expect(r.code).toBe(0);
    const first = JSON.parse(r.out.split('\n')[0]!);
    expect(first.text).toBe('Angela Merkel besuchte Zürich und Köln.');
    expect(first.text).not.toMatch(/\uFFFD/);
  });
});

describe('Ctrl-C during start-up', () => {
  test('a stop requested before training starts ends the run with nothing written', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const result = await trainNer(options(dir), { log: (l) => lines.push(l), progress: false, stopSignal: { requested: true } });
    expect(result.test).toBeUndefined();
    expect(result.steps).toBe(0);
    expect(lines).toContain('Stopped before training started; nothing written.');
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

describe('the CLI as a command line (usage errors, unknown commands, --config)', () => {
  test('usage errors exit 2 with the usage line; an unknown command says so', async () => {
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /^trax-ner: unknown command 'frobnicate' \(commands: train, eval, score, predict, export\)\nUsage: trax-ner /,
    );
    expect(unknown.err).not.toMatch(/too many arguments/);
    const badValue = await cli('train', '--steps', 'x');
    expect(badValue.code).toBe(2);
    expect(badValue.err).toMatch(/argument 'x' is invalid[\s\S]*\nUsage: trax-ner train \[options\]/);
    const unknownFlag = await cli('predict', '-m', 'x', '--frob');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toMatch(/unknown option '--frob'[\s\S]*Usage: trax-ner predict /);
    const missing = await cli('eval');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/required option '-m, --model <dir>' not specified[\s\S]*Usage: trax-ner eval /);
    expect((await cli('--help')).code).toBe(0);
  });

  test('train --config takes every setting of a run, and the recipe.json a run writes replays it', async () => {
    const dir = path.join(tempDir(), 'run');
    const config = path.join(tempDir(), 'recipe-config.json');
    const settings = {
      corpus: SHIPPED_CORPUS,
      outputDir: dir,
      limit: 300,
      steps: 2,
      evalEvery: 2,
      devSentences: 10,
      batchTokens: 200,
      learningRate: 3e-3,
      warmupSteps: 1,
      maxMinutes: 0,
      seed: 7,
      unkRate: 0.1,
      averageDecay: 0,
      model: TINY,
    };
    writeFileSync(config, JSON.stringify(settings));
    const first = await cli('train', '--config', config, '--no-progress');
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const recipe = JSON.parse(readFileSync(path.join(dir, 'recipe.json'), 'utf8'));
    expect(recipe.options).toEqual(
      expect.objectContaining({ steps: 2, learningRate: 3e-3, warmupSteps: 1, seed: 7, unkRate: 0.1, limit: 300, batchTokens: 200 }),
    );
    expect(recipe.options.model).toEqual(resolveNerModelConfig(TINY));
    // Replaying the run's recipe.json into a new directory gives the same run: the same first-step loss and weights.
    const replayDir = path.join(tempDir(), 'replay');
    const replay = await cli('train', '--config', path.join(dir, 'recipe.json'), '-o', replayDir, '--no-progress');
    expect(replay.code).toBe(0);
    const again = JSON.parse(readFileSync(path.join(replayDir, 'recipe.json'), 'utf8'));
    expect({ ...again.options, outputDir: dir }).toEqual(recipe.options);
    expect(readFileSync(path.join(replayDir, 'model', 'weights.bin'))).toEqual(readFileSync(path.join(dir, 'model', 'weights.bin')));
    // A flag overrides the file; an unknown setting is a usage error naming the file.
    const bad = path.join(tempDir(), 'bad.json');
    writeFileSync(bad, JSON.stringify({ steps: 2, stepz: 3 }));
    const refused = await cli('train', '--config', bad);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--config .*bad\.json: unknown setting 'stepz'/);
  });
});

describe('one atomic-write helper for every file the recipe writes', () => {
  test('concurrent exports to one directory all succeed and leave a complete, loadable model and no temporary file', async () => {
    const dir = tempDir();
    const taggers = [1, 2, 3, 4].map((seed) => new NerTagger(randomMember(seed)));
    await Promise.all(taggers.map((t) => exportTagger(t, dir)));
    expect((await fs.readdir(dir)).sort()).toEqual(['tagger.json', 'vocabs.json', 'weights.bin']);
    // Files of different exports may be mixed (each is whole); the checksums in tagger.json tell, so the result
    // loads as one of the taggers or is refused, never loaded wrong.
    const loaded = await loadTaggerFromDirectory(dir).then(
      (t) => t,
      (e: Error) => e,
    );
    if (loaded instanceof Error) expect(loaded).toBeInstanceOf(TaggerLoadError);
    else
      expect(taggers.some((t) => JSON.stringify(t.tag('Bush visited Iraq.')) === JSON.stringify(loaded.tag('Bush visited Iraq.')))).toBe(
        true,
      );
  });

  test('writeFileAtomic: unique temporary names, so concurrent writers never collide', async () => {
    const file = path.join(tempDir(), 'state.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, JSON.stringify({ writer: i }))));
    expect(JSON.parse(readFileSync(file, 'utf8')).writer).toBeGreaterThanOrEqual(0);
    expect(await fs.readdir(path.dirname(file))).toEqual(['state.json']);
  });
});

describe('Ctrl-C before the CLI is loaded', () => {
  test("installStopSignal takes over a launcher's early handler and its request", async () => {
    const { EARLY_STOP_KEY, installStopSignal, releaseStopSignal } = await import('../../../recipes/ner/stop_signal.js');
    const early = { requested: false, handler: (): void => void (early.requested = true) };
    (globalThis as Record<symbol, unknown>)[EARLY_STOP_KEY] = early;
    process.on('SIGINT', early.handler);
    process.emit('SIGINT', 'SIGINT'); // Ctrl-C while the CLI's modules load
    expect(early.requested).toBe(true);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (t: string) => (errors.push(String(t)), true);
    try {
      const stop = installStopSignal();
      expect(stop.requested).toBe(true);
      expect(process.listeners('SIGINT')).not.toContain(early.handler);
      expect((globalThis as Record<symbol, unknown>)[EARLY_STOP_KEY]).toBeUndefined();
    } finally {
      process.stderr.write = write;
      releaseStopSignal();
    }
    expect(errors.join('')).toMatch(/Stopping \(Ctrl-C during start-up/);
  });
});
