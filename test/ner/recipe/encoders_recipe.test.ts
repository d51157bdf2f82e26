/**
 * `--encoder` in the recipe: a run with another encoder records it in recipe.json and the export, and eval,
 * predict, export and resume rebuild that model; a bad value is refused naming it; the presets' BiLSTM goes with
 * the Reformer only.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { runNerCli } from '../../../recipes/ner/cli.js';
import { DEFAULT_RECIPE, withEncoder } from '../../../recipes/ner/options.js';
import { recipeFromConfig } from '../../../recipes/ner/recipe_config.js';
import { readRunState } from '../../../recipes/ner/run_state.js';
import { tempDir } from './helpers.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const TINY_FLAGS = [
  '--limit',
  '200',
  '--eval-every',
  '3',
  '--dev-sentences',
  '20',
  '--batch-tokens',
  '256',
  '--layers',
  '1',
  '--d-model',
  '32',
  '--d-ff',
  '64',
  '--heads',
  '2',
  '--char-filters',
  '16',
  '--max-word-length',
  '8',
  '--backend',
  'wasm',
  '--no-progress',
];

const TEXT = 'Thousands of demonstrators have marched through London to protest the war in Iraq. President Bush met officials in Baghdad.';

/** Runs the CLI, capturing stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t) => ((err += String(t)), true));
  try {
    const code = await runNerCli(args, (t) => (out += t));
    return { code, out, err };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('train --encoder cnn', () => {
  let dir: string;
  let trained: { code: number; out: string };

  beforeAll(async () => {
    dir = tempDir();
    trained = await cli(['train', '--encoder', 'cnn', '--steps', '3', '--output', dir, ...TINY_FLAGS]);
  });

  test("trains, logs the encoder, and records it (without the preset's BiLSTM) in recipe.json and the export", async () => {
    expect(trained.code).toBe(0);
    expect(trained.out).toMatch(
      /^Model: ID-CNN: 1 application of dilations 1, 2, 4 \(shared weights\), dModel 32, char CNN, word shapes, CRF$/m,
    );
    const state = (await readRunState(dir))!;
    expect(state.settings.model.encoder).toBe('cnn');
    expect(state.settings.model.bilstm).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dir, 'recipe.json'), 'utf8')).options.model.encoder).toBe('cnn');
    const exported = await loadTaggerFromDirectory(path.join(dir, 'model'));
    expect(exported.config.encoder).toBe('cnn');
    expect(exported.model.sublayers.map((l) => l.name)).toContain('IdCnnEncoder');
    exported.dispose();
  });

  test('eval, predict and export rebuild the CNN model from the run', async () => {
    const report = JSON.parse(readFileSync(path.join(dir, 'test_report.json'), 'utf8'));
    const evaluated = await cli(['eval', '-m', dir, '--json']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.out).score.overall.f1).toBeCloseTo(report.score.overall.f1, 10);
    const predicted = await cli(['predict', '-m', dir, TEXT]);
    expect(predicted.code).toBe(0);
    expect(predicted.out.trim().split('\n')).toHaveLength(2);
    const to = tempDir();
    expect((await cli(['export', '--from', dir, '--to', to])).code).toBe(0);
    const [a, b] = [await loadTaggerFromDirectory(to), await loadTaggerFromDirectory(path.join(dir, 'model'))];
    expect(a.config.encoder).toBe('cnn');
    expect(a.tag(TEXT)).toEqual(b.tag(TEXT));
    const again = await cli(['predict', '-m', to, TEXT]);
    expect(again.out).toBe(predicted.out);
    a.dispose();
    b.dispose();
  });

  test('resumes with the same encoder, and refuses another one naming model.encoder', async () => {
    const resumed = await cli(['train', '--encoder', 'cnn', '--steps', '4', '--output', dir, ...TINY_FLAGS]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/Resumed at step 3 of 4/);
    const other = await cli(['train', '--encoder', 'bilstm', '--steps', '5', '--output', dir, ...TINY_FLAGS]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/model\.encoder: "cnn" \(saved\) vs "bilstm" \(now\)/);
  });
});

describe('bad --encoder values', () => {
  test('an unknown encoder is refused with a usage error naming it and the choices; nothing is written', async () => {
    const dir = path.join(tempDir(), 'run');
    const r = await cli(['train', '--encoder', 'rnn', '--output', dir, ...TINY_FLAGS]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/option '--encoder <type>' argument 'rnn' is invalid\. Allowed choices are reformer, transformer, bilstm, cnn/);
    expect(existsSync(dir)).toBe(false);
  });

  test('--encoder bilstm with --bilstm, or --reversible with another encoder than the Reformer, is refused naming the settings', async () => {
    const both = await cli(['train', '--encoder', 'bilstm', '--bilstm', '--output', tempDir(), ...TINY_FLAGS]);
    expect(both.code).not.toBe(0);
    expect(both.err).toMatch(/bilstm \(a BiLSTM before the encoder\) with encoder 'bilstm'/);
    const reversible = await cli(['train', '--encoder', 'transformer', '--reversible', '--output', tempDir(), ...TINY_FLAGS]);
    expect(reversible.code).not.toBe(0);
    expect(reversible.err).toMatch(/reversible blocks are the Reformer's; encoder 'transformer' has none/);
  });
});

describe("the presets' BiLSTM and the encoder", () => {
  test("another encoder leaves the preset's BiLSTM out unless bilstm is given; the Reformer keeps it", () => {
    const base = DEFAULT_RECIPE.model;
    expect(base.bilstm).toBe(true);
    expect(withEncoder(base, {}, undefined, false)).toEqual(base);
    expect(withEncoder(base, {}, 'reformer', false).bilstm).toBe(true);
    expect(withEncoder(base, {}, 'cnn', false)).toMatchObject({ encoder: 'cnn', bilstm: false });
    expect(withEncoder(base, { bilstm: true }, 'cnn', true)).toMatchObject({ encoder: 'cnn', bilstm: true });
    expect(withEncoder(base, {}, 'bilstm', false)).toMatchObject({ encoder: 'bilstm', bilstm: false });
    // A config file's model settings follow the same rule; a run's recipe.json replays its model exactly.
    expect(recipeFromConfig({ model: { encoder: 'transformer' } }, DEFAULT_RECIPE).model).toMatchObject({
      encoder: 'transformer',
      bilstm: false,
    });
    expect(recipeFromConfig({ encoder: 'cnn', nLayers: 3 }, DEFAULT_RECIPE).model).toMatchObject({
      encoder: 'cnn',
      nLayers: 3,
      bilstm: false,
    });
    expect(recipeFromConfig({ model: { encoder: 'cnn', bilstm: true } }, DEFAULT_RECIPE).model.bilstm).toBe(true);
  });
});
