/**
 * The recipe and the exported-model files under faults and bad input: output directories that cannot be made,
 * damaged exports, refused options, damaged run files. Fast: random tiny taggers, no training unless named.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
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
    expect(r.stderr).toBe('ner: cannot write the output: no space left on the device (ENOSPC)\n');
    expect(r.status).toBe(1);
  });
});
