/**
 * trax-ts: declarative deep learning with Trax's stack-semantic combinators, on TensorFlow.js.
 *
 * This is the Node entry: everything of `browser.ts`, plus the training `Loop` on folders and checkpoint files and, in
 * `ner`, the corpus readers and exported-model directories.
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
/** Named-entity recognition: corpus readers, vocabularies, tag schemes, entity-level evaluation, tokenizer. */
export * as ner from './ner/index.js';
