/**
 * trax-ts: declarative deep learning with Trax's stack-semantic combinators, on TensorFlow.js.
 *
 * This is the Node entry: everything of `browser.ts`, plus the training `Loop` on folders and checkpoint files, worker
 * threads (`WorkerPool`, data-parallel training) and, in `ner`, the corpus readers, exported-model directories and
 * the tagger pool.
 *
 * @document ../docs/guide.md
 * @document ../docs/architecture.md
 * @packageDocumentation
 */
export * from './browser.js';
export * from './training/index.js';
// The Node `Loop` (folder paths, the terminal progress line) in place of the browser-safe one `browser.ts` exports.
export { Loop } from './training/file_loop.js';
export { saveSafetensors, loadSafetensors } from './io/node_files.js';
export * from './parallel/index.js';
/** Named-entity recognition: corpus readers, vocabularies, tag schemes, entity-level evaluation, tokenizer. */
export * as ner from './ner/index.js';
