/**
 * trax-ts: declarative deep learning with Trax's stack-semantic combinators, on TensorFlow.js.
 *
 * This is the Node entry: everything of `browser.ts`, plus the training `Loop` and checkpoints (files), worker
 * threads (`WorkerPool`) and, in `ner`, the corpus readers, exported-model directories and the tagger pool.
 *
 * @document ../docs/guide.md
 * @document ../docs/architecture.md
 * @packageDocumentation
 */
export * from './browser.js';
export * from './training/index.js';
export { saveSafetensors, loadSafetensors } from './io/node_files.js';
export * from './parallel/index.js';
/** Named-entity recognition: corpus readers, vocabularies, tag schemes, entity-level evaluation, tokenizer. */
export * as ner from './ner/index.js';
