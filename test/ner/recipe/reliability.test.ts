/**
 * The recipe and the exported-model files under faults and bad input: output directories that cannot be made,
 * damaged exports, refused options, damaged run files. Fast: random tiny taggers, no training unless named.
 */
import { promises as fs, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { exportTagger } from '../../../src/ner/export/node_files.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { DirectoryError, makeDirectory } from '../../../src/training/atomic_fs.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { DEFAULT_RECIPE, type NerRecipeOptions } from '../../../recipes/ner/options.js';
import { trainNer } from '../../../recipes/ner/train.js';
import { randomMember } from '../tagger/helpers.js';
import { SHIPPED_CORPUS, TINY, tempDir } from './helpers.js';

// Hang guard: the defects below hung forever; a refusal takes well under a second.
jest.setTimeout(180_000);

beforeAll(async () => {
  await useBackend('wasm');
});

function options(outputDir: string, extra: Partial<NerRecipeOptions> = {}): NerRecipeOptions {
  return { ...DEFAULT_RECIPE, outputDir, corpus: SHIPPED_CORPUS, limit: 400, steps: 2, evalEvery: 2, devSentences: 20, batchTokens: 256, maxMinutes: 0, model: resolveNerModelConfig(TINY), ...extra };
}

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
    await expect(trainNer(options('/proc/trax-ts-train'), { log: () => undefined, progress: false })).rejects.toThrow(/cannot create the directory \/proc\/trax-ts-train/);
  });
});
