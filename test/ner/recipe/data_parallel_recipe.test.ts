/**
 * The recipe on two threads (`--workers 2`): a run trains with each batch cut over this thread and a gradient
 * worker (the library's ner_gradient_worker, from its TypeScript source here), writes its checkpoint and report,
 * and resumes with one thread, saying the worker count changed.
 */
import { useBackend } from '../../../src/backend/backends.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import type { NerRecipeOptions } from '../../../recipes/ner/options.js';
import { trainNer } from '../../../recipes/ner/train.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';
import { TINY, quickRecipeOptions, tempDir } from './helpers.js';

jest.setTimeout(HANG_GUARD_MS);

beforeAll(async () => {
  await useBackend('wasm');
});

const options = (outputDir: string, extra: Partial<NerRecipeOptions> = {}): NerRecipeOptions =>
  quickRecipeOptions(outputDir, {
    steps: 4,
    model: resolveNerModelConfig({ ...TINY, crf: true, charFeatures: true, bilstm: true }),
    ...extra,
  });

test('train --workers 2 trains a CRF tagger with a BiLSTM and char CNN on two threads, and resumes on one', async () => {
  const dir = tempDir();
  const lines: string[] = [];
  const first = await trainNer(options(dir, { workers: 2 }), { log: (l) => lines.push(l), progress: false });
  expect(lines).toContain('Training on 2 threads: each batch cut over this one and 1 worker threads');
  expect(first.steps).toBe(4);
  expect(Number.isFinite(first.test?.overall.f1)).toBe(true);
  const more: string[] = [];
  const second = await trainNer(options(dir, { workers: 1, steps: 6 }), { log: (l) => more.push(l), progress: false });
  expect(second.steps).toBe(6);
  expect(more.some((l) => /Restored the checkpoint .* \(written with 2 workers, resumed with 1\)/.test(l))).toBe(true);
});
