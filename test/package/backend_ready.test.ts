/**
 * What importing trax-ts does to tfjs, and loading without `useBackend` (issue: "loadTaggerFromDirectory without
 * a prior useBackend crashes with backend 'wasm' has not yet been initialized").
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { exportTagger } from '../../src/ner/export/node_files.js';
import { tempDir } from '../ner/recipe/helpers.js';
import { trainTinyTagger } from '../browser/tiny_tagger.js';

test('a fresh process loads an exported tagger and tags with no prior useBackend (on cpu, the one backend importing registers)', async () => {
  const { tagger } = await trainTinyTagger({ sentences: 60, steps: 2 });
  const dir = await exportTagger(tagger, join(tempDir(), 'model'));
  const child = spawnSync(process.execPath, ['scripts/run.mjs', 'test/package/load_child.ts', dir], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  expect(child.stderr).not.toMatch(/has not yet been initialized|Error/);
  expect(child.status).toBe(0);
  const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as { backend: string; wasmKernelLoaded: boolean; tokens: number };
  expect(out).toEqual({ backend: 'cpu', wasmKernelLoaded: false, tokens: 5 });
});
