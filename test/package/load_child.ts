/**
 * Run by `backend_ready.test.ts` in a fresh Node process, as a user's program: loads the exported tagger in
 * `argv[2]` with no `useBackend` before it, tags a sentence, and prints one JSON line (the backend, whether the
 * kernel fixes' wasm kernels exist, the entities).
 */
import { getKernel } from '@tensorflow/tfjs-core';
import { currentBackend, ner } from '../../src/index.js';

const tagger = await ner.loadTaggerFromDirectory(process.argv[2]!);
const [sentence] = tagger.tag('Thousands marched through London.');
console.log(
  JSON.stringify({
    backend: currentBackend(),
    wasmKernelLoaded: getKernel('GatherV2', 'wasm') !== undefined,
    tokens: sentence!.tokens.length,
  }),
);
