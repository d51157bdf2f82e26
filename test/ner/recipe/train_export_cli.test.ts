/**
 * End to end on a small slice of the shipped corpus with a tiny model: training learns, resumes, refuses changed
 * settings; the exported model loads and tags raw text like the in-memory one; the CLI's predict/eval/export.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { tf } from '../../../src/backend/tf.js';
import { loadNerSplits } from '../../../src/ner/dataset/load_corpus.js';
import { readRunState } from '../../../recipes/ner/run_state.js';
import { TaggerLoadError } from '../../../src/ner/export/format.js';
import { loadTagger } from '../../../src/ner/export/load.js';
import { directoryFiles, exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import type { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { readBest } from '../../../recipes/ner/dev_f1.js';
import { latestCheckpoint, readCheckpoint } from '../../../src/training/checkpoint.js';
import { taggerFromCheckpoint } from '../../../recipes/ner/checkpoint_tagger.js';
import { runNerCli } from '../../../recipes/ner/cli.js';
import { DEFAULT_RECIPE, type NerRecipeOptions } from '../../../recipes/ner/options.js';
import { trainNer, type NerTrainResult } from '../../../recipes/ner/train.js';
import { SHIPPED_CORPUS, TINY, tempDir, tempFile } from './helpers.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const TEXT =
  'Thousands of demonstrators have marched through London to protest the war in Iraq. President Bush met officials in Baghdad on Monday.';

function options(outputDir: string, extra: Partial<NerRecipeOptions> = {}): NerRecipeOptions {
  return {
    ...DEFAULT_RECIPE,
    outputDir,
    corpus: SHIPPED_CORPUS,
    limit: 3000,
    steps: 240,
    evalEvery: 80,
    devSentences: 300,
    batchTokens: 768,
    learningRate: 5e-3,
    warmupSteps: 20,
    maxMinutes: 0,
    unkRate: 0.05,
    model: resolveNerModelConfig(TINY),
    ...extra,
  };
}

let run: NerTrainResult;
let runDir: string;
let tagger: NerTagger;
const lines: string[] = [];

beforeAll(async () => {
  await useBackend('wasm');
  runDir = tempDir();
  run = await trainNer(options(runDir), { log: (l) => lines.push(l), progress: false });
  tagger = await loadTaggerFromDirectory(run.modelDir!);
});

describe('training a tagger on a slice of GMB', () => {
  test('learns: the loss falls and dev and test entity F1 are clearly above 0', async () => {
    const losses = lines.filter((l) => /train CrossEntropyLoss/.test(l)).map((l) => Number(l.split('|')[1]));
    expect(losses.length).toBeGreaterThanOrEqual(3);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.7);
    expect(run.bestDevF1!).toBeGreaterThan(0.3);
    expect(run.test!.overall.f1).toBeGreaterThan(0.3);
    expect(run.test!.tokenAccuracy).toBeGreaterThan(0.9);
    const report = readFileSync(path.join(runDir, 'test_report.txt'), 'utf8');
    expect(report).toMatch(/processed \d+ tokens with \d+ phrases; found: \d+ phrases; correct: \d+\./);
    expect(report).toMatch(/relaxed \(same type, overlap\)/);
    expect(report).toMatch(/token accuracy \(real tokens\)/);
    const json = JSON.parse(readFileSync(path.join(runDir, 'test_report.json'), 'utf8'));
    expect(json.score.overall.f1).toBeCloseTo(run.test!.overall.f1, 10);
    expect((await readBest(runDir))!.step).toBe(run.bestStep);
    expect(lines.some((l) => /dev entity F1/.test(l))).toBe(true);
  });

  test('resumes from the output directory, and refuses to resume with other settings', async () => {
    const more: string[] = [];
    const resumed = await trainNer(options(runDir, { steps: 260 }), { log: (l) => more.push(l), progress: false });
    expect(more.some((l) => /Resumed at step 240 of 260/.test(l))).toBe(true);
    expect(more.some((l) => /Trained 20 steps/.test(l))).toBe(true);
    expect(resumed.test).toBeDefined();
    await expect(
      trainNer(options(runDir, { model: resolveNerModelConfig({ ...TINY, dModel: 64 }) }), { log: () => undefined, progress: false }),
    ).rejects.toThrow(/holds a run with other settings[\s\S]*model\.dModel: 32 \(saved\) vs 64 \(now\)/);
    expect((await readRunState(runDir))!.settings.model.dModel).toBe(32);
  });
});

describe('the time limit', () => {
  test('stops training early, then evaluates, tests and exports the best checkpoint as usual', async () => {
    const out: string[] = [];
    const dir = tempDir();
    const result = await trainNer(options(dir, { limit: 600, steps: 100_000, evalEvery: 1000, maxMinutes: 0.02 }), {
      log: (l) => out.push(l),
      progress: false,
    });
    expect(out.some((l) => /stopped by the 0.02-minute limit/.test(l))).toBe(true);
    expect(result.bestStep).toBeGreaterThan(0);
    expect(result.bestStep).toBeLessThan(1000);
    expect(result.test).toBeDefined();
    expect(existsSync(path.join(dir, 'model', 'tagger.json'))).toBe(true);
  });
});

describe('Polyak averaging in the recipe', () => {
  test('dev scoring, the best checkpoint and the export use the averages; the rolling checkpoint keeps the weights', async () => {
    const dir = tempDir();
    const steps: number[] = [];
    const losses: number[] = [];
    const onStep = (step: number, loss: number): void => void (steps.push(step), losses.push(loss));
    const result = await trainNer(options(dir, { steps: 80, evalEvery: 40, averageDecay: 0.9 }), {
      log: () => undefined,
      progress: false,
      onStep,
    });
    expect(result.test!.overall.f1).toBeGreaterThan(0);
    // onStep (what member processes report for their progress lines) sees every step and its loss.
    expect(steps).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    expect((await readRunState(dir))!.settings.averageDecay).toBe(0.9);
    const best = await readCheckpoint(path.join(dir, 'best_dev_f1'));
    const latest = await readCheckpoint((await latestCheckpoint(dir))!);
    expect(best.step).toBe(80);
    expect(latest.step).toBe(80);
    // The best checkpoint's weights are the latest checkpoint's average slots (same step), not its weights.
    const p = [...latest.tensors.weights.keys()].find((k) => k.endsWith('/w') && k.includes('Embedding'))!;
    const averageKey = [...latest.tensors.slots.keys()].find((k) => k.includes(p) && k.endsWith('average'))!;
    expect(Array.from(best.tensors.weights.get(p)!.dataSync())).toEqual(Array.from(latest.tensors.slots.get(averageKey)!.dataSync()));
    expect(Array.from(best.tensors.weights.get(p)!.dataSync())).not.toEqual(Array.from(latest.tensors.weights.get(p)!.dataSync()));
    for (const group of [best.tensors, latest.tensors]) for (const m of Object.values(group)) tf.dispose([...m.values()]);
  });
});

describe('the exported tagger', () => {
  test('tags raw text with correct character offsets and the same predictions as the in-memory model', async () => {
    const sentences = tagger.tag(TEXT);
    expect(sentences).toHaveLength(2);
    for (const s of sentences) {
      expect(TEXT.slice(s.start, s.end)).toBe(s.text);
      for (const e of s.entities) {
        expect(TEXT.slice(e.start, e.end)).toBe(e.text);
        expect(e.confidence).toBeGreaterThan(0);
        expect(e.confidence).toBeLessThanOrEqual(1);
      }
    }
    const entities = sentences.flatMap((s) => s.entities.map((e) => `${e.text}/${e.type}`));
    expect(entities).toContain('London/geo');
    // The in-memory tagger the run exported (built from its best checkpoint) tags exactly as the loaded one.
    const state = (await readRunState(runDir))!;
    const inMemory = await taggerFromCheckpoint(path.join(runDir, 'best_dev_f1'), state.settings.model, state.vocabs);
    expect(inMemory.tag(TEXT)).toEqual(sentences);
    const words = TEXT.split(' ');
    expect(tagger.tagTokens([words])[0]!.confidence).toEqual(inMemory.tagTokens([words])[0]!.confidence);
    // A round trip through another export gives identical outputs.
    const again = await loadTaggerFromDirectory(await exportTagger(inMemory, tempDir()));
    expect(again.tag(TEXT)).toEqual(sentences);
    // Unknown words go through UNK and characters; never a crash.
    expect(() => tagger.tag('Zxqwv Blorptania visited Qqqzzz in Ulaanbaatar .')).not.toThrow();
    expect(tagger.tag('')).toEqual([]);
  });

  test('scores the test split as the training run did', async () => {
    const { test } = await loadNerSplits(SHIPPED_CORPUS, { limit: 3000 });
    expect(tagger.evaluate(test).overall.f1).toBeCloseTo(run.test!.overall.f1, 10);
  });

  test('bad model directories are refused naming the problem', async () => {
    const copy = async (): Promise<string> => {
      const dir = tempDir();
      for (const f of ['tagger.json', 'vocabs.json', 'weights.bin']) await fs.copyFile(path.join(run.modelDir!, f), path.join(dir, f));
      return dir;
    };
    const editManifest = async (edit: (m: Record<string, unknown>) => void): Promise<string> => {
      const dir = await copy();
      const m = JSON.parse(readFileSync(path.join(dir, 'tagger.json'), 'utf8'));
      edit(m);
      writeFileSync(path.join(dir, 'tagger.json'), JSON.stringify(m));
      return dir;
    };
    const missing = await copy();
    await fs.rm(path.join(missing, 'vocabs.json'));
    await expect(loadTaggerFromDirectory(missing)).rejects.toThrow(TaggerLoadError);
    await expect(loadTaggerFromDirectory(missing)).rejects.toThrow(/cannot read the file 'vocabs.json' \(no such file/);
    await expect(loadTaggerFromDirectory(path.join(missing, 'nope'))).rejects.toThrow(/no such tagger directory/);
    await expect(loadTaggerFromDirectory(await editManifest((m) => (m['formatVersion'] = 3)))).rejects.toThrow(
      /format version 3; this library reads version 2 \(the tagger was exported by a newer trax-ts/,
    );
    await expect(loadTaggerFromDirectory(await editManifest((m) => (m['format'] = 'keras')))).rejects.toThrow(
      /is not a trax-ts NER tagger/,
    );
    await expect(
      loadTaggerFromDirectory(await editManifest((m) => ((m['config'] as Record<string, unknown>)['depth'] = 3))),
    ).rejects.toThrow(/invalid model configuration: NER model config: unknown setting 'depth'/);
    const otherVocab = await copy();
    const vocabs = JSON.parse(readFileSync(path.join(otherVocab, 'vocabs.json'), 'utf8'));
    vocabs.words.words = vocabs.words.words.slice(0, 100);
    writeFileSync(path.join(otherVocab, 'vocabs.json'), JSON.stringify(vocabs));
    // Its size and checksum made to match, so the loader reaches the vocabulary check.
    await expect(loadTaggerFromDirectory(otherVocab)).rejects.toThrow(/'vocabs.json' holds \d+ bytes, 'tagger.json' says \d+/);
    const otherManifest = JSON.parse(readFileSync(path.join(otherVocab, 'tagger.json'), 'utf8'));
    const vocabBytes = readFileSync(path.join(otherVocab, 'vocabs.json'));
    otherManifest.files['vocabs.json'] = { bytes: vocabBytes.byteLength, sha256: createHash('sha256').update(vocabBytes).digest('hex') };
    writeFileSync(path.join(otherVocab, 'tagger.json'), JSON.stringify(otherManifest));
    await expect(loadTaggerFromDirectory(otherVocab)).rejects.toThrow(
      /the vocabularies do not match the weights: the words vocabulary has 100 entries, the model was built for \d+/,
    );
    const truncated = await copy();
    const bin = readFileSync(path.join(truncated, 'weights.bin'));
    writeFileSync(path.join(truncated, 'weights.bin'), bin.subarray(0, bin.length - 8));
    await expect(loadTaggerFromDirectory(truncated)).rejects.toThrow(/'weights.bin' holds \d+ bytes, 'tagger.json' says \d+/);
    // The browser path: any reader of files by name.
    const files = directoryFiles(run.modelDir!);
    const viaReader = await loadTagger(async (name) => new Uint8Array((await files(name)) as Uint8Array), 'reader');
    expect(viaReader.tag(TEXT)).toEqual(tagger.tag(TEXT));
  });
});

describe('the ner CLI', () => {
  const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    const code = await runNerCli(args, (t) => (out += t));
    return { code, out };
  };

  test('predict: text from arguments and from a file, one JSON line per sentence', async () => {
    const fromArgs = await cli('predict', '-m', run.modelDir!, ...TEXT.split(' '));
    expect(fromArgs.code).toBe(0);
    const parsed = fromArgs.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed).toHaveLength(2);
    expect(parsed[0].entities).toContainEqual(
      expect.objectContaining({ text: 'London', type: 'geo', start: TEXT.indexOf('London'), end: TEXT.indexOf('London') + 6 }),
    );
    const file = tempFile('input.txt', `\n\n${TEXT}\n`);
    const fromFile = await cli('predict', '-m', runDir, '--file', file);
    const first = JSON.parse(fromFile.out.split('\n')[0]!);
    expect(first.start).toBe(2);
    const london = first.entities.find((e: { text: string }) => e.text === 'London');
    expect(readFileSync(file, 'utf8').slice(london.start, london.end)).toBe('London');
  });

  test('predict reads stdin when given no text (as a process)', () => {
    const result = spawnSync(process.execPath, ['scripts/run.mjs', 'recipes/ner.ts', 'predict', '-m', run.modelDir!], {
      input: TEXT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const parsed = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.text)).toEqual([TEXT.slice(0, TEXT.indexOf('Iraq.') + 5), TEXT.slice(TEXT.indexOf('President'))]);
  });

  test('eval scores a file; export writes a loadable model; bad input gives clear errors', async () => {
    const gold = tempFile('gold.txt', 'London B-geo\nis O\nbig O\n. O\n\nParis B-geo\n. O\n');
    const scored = await cli('eval', '-m', run.modelDir!, '--file', gold, '--json');
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.out).score.sentences).toBe(2);
    const exported = tempDir();
    expect((await cli('export', '--from', runDir, '--to', exported)).code).toBe(0);
    expect(existsSync(path.join(exported, 'weights.bin'))).toBe(true);
    expect((await loadTaggerFromDirectory(exported)).tag(TEXT)).toEqual(tagger.tag(TEXT));

    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (t: string) => (errors.push(String(t)), true);
    try {
      const unknownTag = tempFile('gold.txt', 'London B-city\n');
      expect((await cli('eval', '-m', run.modelDir!, '--file', unknownTag)).code).toBe(1);
      expect((await cli('predict', '-m', path.join(runDir, 'missing'), 'hello')).code).toBe(1);
      expect((await cli('predict', '-m', run.modelDir!, '--file', '/nonexistent.txt')).code).toBe(1);
      expect((await cli('train', '--layers', 'two')).code).not.toBe(0);
    } finally {
      process.stderr.write = write;
    }
    const text = errors.join('');
    expect(text).toMatch(/unknown tag 'B-city'/);
    expect(text).toMatch(/no such tagger directory/);
    expect(text).toMatch(/--file \/nonexistent.txt: no such file/);
    expect(text).toMatch(/expected an integer >= 1, got 'two'/);
  });
});
