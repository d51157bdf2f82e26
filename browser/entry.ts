/**
 * The browser build's entry point: the whole public API of trax-ts, with tfjs-core, its gradients and chained
 * ops, and the cpu, wasm and webgl backends bundled in (webgl as a chunk loaded by `useBackend('webgl')`).
 *
 * The wasm backend fetches its `.wasm` binaries at run time; the build copies them beside this bundle, and this
 * module points the backend at them relative to its own URL. That must happen before the wasm backend first
 * initialises, which is why it runs here, on import, before any caller can call `useBackend`.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export * from '../src/index.js';

// The NER names the demo page (recipes/demo/) uses flat, as `trax.loadTagger` (the package root exports them under
// `ner`: `ner.loadTagger`). Explicit exports take precedence over the `export *` above, so a name the root also
// exports flat stays valid.
export { loadTagger, fetchTaggerFiles, type TaggerFileReader } from '../src/ner/export/load.js';
export { TaggerLoadError, TAGGER_FILES, TAGGER_FORMAT, TAGGER_FORMAT_VERSION, type TaggerManifest } from '../src/ner/export/format.js';
export { taggerFiles } from '../src/ner/export/save.js';
export { NerTagger, type NerTaggerParts, type TaggedSentence, type TokenTags } from '../src/ner/tagger/ner_tagger.js';
export { entitiesOf, type TaggedEntity } from '../src/ner/tagger/entities.js';
export { NerTaggerModel, NerLoss } from '../src/ner/model/build.js';
export { type NerModelConfig, resolveNerModelConfig } from '../src/ner/model/config.js';
export { encodeFeatures, featureLayout, type FeatureLayout } from '../src/ner/model/features.js';
export type { NerModelSizes } from '../src/ner/model/token_embedding.js';
export type { NerVocabs } from '../src/ner/dataset/vocabs.js';
// The browser-safe Loop (a RunDirectory, no terminal progress line) in place of the Node entry's.
export { Loop } from '../src/training/loop_start.js';

/** The folder the wasm binaries are loaded from: the folder of this bundle. */
export const wasmBinariesUrl: string = new URL('./', import.meta.url).href;

setWasmPaths(wasmBinariesUrl);
