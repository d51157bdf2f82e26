/**
 * Named-entity recognition: corpus readers, tag schemes, vocabularies, entity-level evaluation, a GMB-style
 * tokenizer, the tagger model, tagging raw text, and exported models. Everything browser-safe comes from
 * `browser.ts`; this module adds the parts that use Node's `fs`/`zlib`: the corpus readers and exporting to and
 * loading from a directory.
 */

export * from './browser.js';

// Corpus readers (Node: files, gzip)
export { CorpusError } from './corpus/corpus_error.js';
export type { CorpusSource } from './corpus/corpus_source.js';
export { decodeText, type TextEncodingName, type ResolvedEncoding, type DecodeTextOptions } from './corpus/text_encoding.js';
export { readGmbCsv, GMB_CSV_HEADER, GMB_DOCUMENT_SENTENCES, type ReadGmbCsvOptions } from './corpus/read_gmb_csv.js';
export { readConll, type ReadConllOptions } from './corpus/read_conll.js';
export { readText, type ReadTextOptions } from './corpus/read_text.js';
export { collect } from './corpus/collect.js';
export {
  readNerCorpus,
  loadNerSplits,
  corpusFormatOf,
  NER_SPLIT,
  type NerCorpusFormat,
  type ReadNerCorpusOptions,
  type NerSplitKind,
  type LoadNerSplitsOptions,
} from './dataset/load_corpus.js';

// Word vectors (Node: files, gzip)
export { readWordVectors, wordVectorsFormatOf } from './vectors/read_word_vectors.js';

// Tagging on worker threads (Node: node:worker_threads)
export { NerTaggerPool, type NerTaggerPoolOptions } from './tagger/ner_tagger_pool.js';
export { nerDataParallel } from './model/ner_data_parallel.js';
export { nerReplica, type NerReplicaInit } from './model/ner_replica.js';

// Model directories (Node: files)
export { exportTagger, directoryFiles, loadTaggerFromDirectory } from './export/node_files.js';
