/**
 * End to end with document context: a tiny tagger trained with `contextTokens` 64 on the block split of a slice
 * of GMB learns, exports, loads with its context setting, tags multi-sentence text (each token once, offsets
 * right), and the eval path scores the test split with each sentence's document context, as the run did.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { loadNerSplits } from '../../../src/ner/dataset/load_corpus.js';
import { loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { NerConfigError, resolveNerModelConfig } from '../../../src/ner/model/config.js';
import type { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { splitSentences } from '../../../src/ner/split_sentences.js';
import { runNerCli } from '../../../recipes/ner/cli.js';
import { DEFAULT_RECIPE, type NerRecipeOptions } from '../../../recipes/ner/options.js';
import { trainNer, type NerTrainResult } from '../../../recipes/ner/train.js';
import { SHIPPED_CORPUS, TINY, tempDir } from './helpers.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const TEXT =
  'Thousands of demonstrators have marched through London to protest the war in Iraq. President Bush met officials in Baghdad on Monday. The talks ended in Washington.';

function options(outputDir: string): NerRecipeOptions {
  return {
    ...DEFAULT_RECIPE,
    outputDir,
    corpus: SHIPPED_CORPUS,
    split: 'blocks',
    limit: 3000,
    steps: 240,
    evalEvery: 120,
    devSentences: 300,
    batchTokens: 768,
    learningRate: 5e-3,
    warmupSteps: 20,
    maxMinutes: 0,
    unkRate: 0.05,
    model: resolveNerModelConfig({ ...TINY, contextTokens: 64 }),
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

afterAll(() => tagger?.dispose());

describe('a context tagger trained on the block split', () => {
  test('learns, and records the context in recipe.json and the export', () => {
    expect(lines.some((l) => /document context of 64 tokens/.test(l))).toBe(true);
    expect(run.test!.overall.f1).toBeGreaterThan(0.3);
    expect(run.test!.tokenAccuracy).toBeGreaterThan(0.9);
    const recipe = JSON.parse(readFileSync(path.join(runDir, 'recipe.json'), 'utf8'));
    expect(recipe.options.model.contextTokens).toBe(64);
    expect(tagger.config.contextTokens).toBe(64);
  });

  test('tags multi-sentence text: every token once, entities at their offsets', () => {
    const sentences = tagger.tag(TEXT);
    const split = splitSentences(TEXT);
    expect(sentences).toHaveLength(3);
    sentences.forEach((s, i) => {
      expect(s.tokens.map((t) => t.text)).toEqual(split[i]!.tokens.map((t) => t.text));
      expect(s.tags).toHaveLength(s.tokens.length);
      expect(s.tags.every((t) => typeof t === 'string')).toBe(true);
      for (const e of s.entities) expect(TEXT.slice(e.start, e.end)).toBe(e.text);
    });
    const entities = sentences.flatMap((s) => s.entities.map((e) => `${e.text}/${e.type}`));
    expect(entities).toContain('London/geo');
    // The text is one document: tagging it together equals tagTokens with the sentences as one document.
    const words = split.map((s) => s.tokens.map((t) => t.text));
    expect(tagger.tagTokens(words).map((r) => r.tags)).toEqual(sentences.map((s) => s.tags));
    // The same sentences as separate documents read no context: the scores differ.
    const alone = tagger.tagTokens(words, { documents: ['a', 'b', 'c'] });
    expect(alone.map((r) => r.confidence)).not.toEqual(tagger.tagTokens(words).map((r) => r.confidence));
    expect(() => tagger.tagTokens(words, { documents: ['a'] })).toThrow(/1 documents for 3 sentences/);
  });

  test("the eval path scores the test split with its documents' context, as the run did", async () => {
    const { test } = await loadNerSplits(SHIPPED_CORPUS, { limit: 3000, split: 'blocks' });
    expect(tagger.evaluate(test).overall.f1).toBeCloseTo(run.test!.overall.f1, 10);
    let out = '';
    const code = await runNerCli(['eval', '-m', runDir, '--json'], (t) => (out += t));
    expect(code).toBe(0);
    expect(JSON.parse(out).score.overall.f1).toBeCloseTo(run.test!.overall.f1, 10);
    // Without the documents (every sentence its own document) the score is another one.
    const alone = tagger.evaluate(test, { documents: test.map((s) => s.id) });
    expect(alone.overall.f1).not.toBe(run.test!.overall.f1);
  });
});

describe('replaying a context run', () => {
  test('train --config <run>/recipe.json replays it bit-identically, context included', async () => {
    const replay = tempDir();
    let out = '';
    const code = await runNerCli(['train', '--config', path.join(runDir, 'recipe.json'), '-o', replay, '--no-progress'], (t) => (out += t));
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(replay, 'recipe.json'), 'utf8')).options.model.contextTokens).toBe(64);
    expect(readFileSync(path.join(replay, 'model', 'weights.bin')).equals(readFileSync(path.join(runDir, 'model', 'weights.bin')))).toBe(
      true,
    );
    const report = (dir: string): unknown => JSON.parse(readFileSync(path.join(dir, 'test_report.json'), 'utf8')).score;
    expect(report(replay)).toEqual(report(runDir));
  });
});

describe('--context-tokens values', () => {
  test('bad values are refused with a clear message', async () => {
    expect(() => resolveNerModelConfig({ contextTokens: -1 })).toThrow(NerConfigError);
    expect(() => resolveNerModelConfig({ contextTokens: 2.5 })).toThrow(
      /contextTokens must be 0 \(each sentence alone\) or a window of 1 to 8192 tokens, got 2.5/,
    );
    expect(() => resolveNerModelConfig({ contextTokens: 200 })).toThrow(/contextTokens 200 is longer than maxLen 128/);
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t) => (errors.push(String(t)), true));
    try {
      expect(await runNerCli(['train', '--context-tokens', 'x', '--output', tempDir()], () => {})).not.toBe(0);
      expect(await runNerCli(['train', '--context-tokens', '500', '--output', tempDir()], () => {})).not.toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('')).toMatch(/--context-tokens.*expected an integer >= 0, got 'x'/);
    expect(errors.join('')).toMatch(/contextTokens 500 is longer than maxLen 128/);
  });
});
