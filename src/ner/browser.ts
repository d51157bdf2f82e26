/**
 * The browser-safe part of trax-ts's named-entity recognition: everything a page needs to tag text with a
 * trained model (tokenizer, vocabularies, tag schemes, entity evaluation, the tagger model and its loading through
 * any file reader such as `fetch`). Nothing here imports Node's `fs` or `zlib`: the corpus file readers, the
 * training recipe and exporting to a directory live in `index.ts` / the recipe.
 *
 * @example
 * ```ts
 * import { ner } from 'trax-ts';
 * const tagger = await ner.loadTagger(ner.fetchTaggerFiles('/models/gmb/'));
 * for (const sentence of tagger.tag('Thousands marched through London.')) console.log(sentence.entities);
 * ```
 */

export type { Sentence } from './sentence.js';

// Tokenizer
export { tokenize, tokenizeWords, type Token } from './tokenize.js';
export { detokenize } from './detokenize.js';
export { splitSentences, type TextSentence } from './split_sentences.js';

// Tags
export { parseTag, tryParseTag, formatTag, type ParsedTag, type TagPrefix } from './tags/parse_tag.js';
export {
  TAG_SCHEMES,
  schemePrefixes,
  parseSchemeTag,
  findTagProblems,
  validateTags,
  TagSequenceError,
  type TagScheme,
  type TagProblem,
} from './tags/tag_scheme.js';
export { tagsToSpans, type TagsToSpansOptions } from './tags/tags_to_spans.js';
export { spansToTags } from './tags/spans_to_tags.js';
export { convertTags, type ConvertTagsOptions } from './tags/convert_tags.js';
export { spansOverlap, spansEqual, type EntitySpan } from './tags/entity_span.js';

// Vocabularies
export { orderByFrequency } from './vocab/frequency_order.js';
export { WORD_SHAPES, WORD_SHAPE_COUNT, wordShape, wordShapeId, type WordShape } from './vocab/word_shape.js';
export { WordVocab, type WordVocabOptions, type WordVocabJSON, type HasWords } from './vocab/word_vocab.js';
export { CharVocab, type CharVocabOptions, type CharVocabJSON } from './vocab/char_vocab.js';
export { TagVocab, UnknownTagError, type TagVocabOptions, type TagVocabJSON, type HasTags } from './vocab/tag_vocab.js';
export {
  buildNerVocabs,
  nerVocabsToJSON,
  nerVocabsFromJSON,
  type NerVocabs,
  type NerVocabOptions,
  type NerVocabsJSON,
} from './dataset/vocabs.js';

// Evaluation
export { extractEntities, type EntityMode, type ExtractEntitiesOptions } from './eval/extract_entities.js';
export { EntityScorer, scoreEntities, type EntityScorerOptions } from './eval/entity_scorer.js';
export type { EntityScore, EntityTypeScore, RelaxedScore } from './eval/entity_score.js';
export { precisionRecallF1, type PrecisionRecallF1 } from './eval/precision_recall_f1.js';
export {
  formatConllevalTable,
  toConllevalJson,
  type ConllevalTableOptions,
  type ConllevalJson,
  type ConllevalTypeJson,
} from './eval/format_conlleval.js';
export { printfFixed } from './eval/printf_fixed.js';
export {
  EVALUATION_SCHEMES,
  pairEntities,
  schemeScore,
  emptySchemeCounts,
  type EvaluationScheme,
  type SchemeCounts,
  type SchemeScore,
} from './eval/evaluation_schemes.js';
export {
  parseConllevalInput,
  scoreConllevalText,
  ConllevalInputError,
  type ConllevalInputOptions,
  type ConllevalSentence,
} from './eval/conlleval_input.js';
export { splitCorpus, type SplitCorpusOptions, type CorpusSplit } from './corpus/split_corpus.js';
export { splitCorpusByBlocks, contiguousBlocks, type SplitByBlocksOptions } from './corpus/split_blocks.js';

// Pretrained word vectors (parsing; `readWordVectors` reads files in Node)
export { WordVectors, WordVectorsParser, type WordVectorsFormat, type WordVectorsOptions } from './vectors/word_vectors.js';
export { vectorOfEntry, vectorLookupForms, isLowercaseVectors, addVectorWords, wordEmbeddingRows } from './vectors/vocab_vectors.js';
export { CorpusError } from './corpus/corpus_error.js';

// The model
export {
  DEFAULT_NER_MODEL_CONFIG,
  NerConfigError,
  resolveNerModelConfig,
  hasWordProjection,
  type NerModelConfig,
  type NerAttention,
  type NerActivation,
  type NerEncoder,
  NER_ENCODERS,
} from './model/config.js';
export { describeNerEncoder } from './model/encoder.js';
export { featureLayout, encodeFeatures, type FeatureLayout, type FeatureConfig } from './model/features.js';
export { TokenEmbedding, type NerModelSizes, type WordEmbeddingRows, type WordEmbeddingOptions } from './model/token_embedding.js';
export { CharCnn, CharCnnLayer, type CharCnnOptions } from './model/char_cnn.js';
export { BiLSTMEncoder, type BiLSTMEncoderOptions } from '../rnn/padded_bilstm.js';
export { NerTaggerModel, NerLoss } from './model/build.js';

// Training data (in memory)
export { encodeExample, encodeExamples, encodeWindowExample, type ExampleConfig } from './dataset/examples.js';
export { contextWindow, contextWindows, documentRuns, windowTokens, type ContextWindow } from './dataset/context_windows.js';
export { nerBatches, WordDropout, type NerBatchOptions } from './dataset/batches.js';

// Tagging
export {
  NerTagger,
  type NerTaggerParts,
  type NerEnsembleParts,
  type TagTokensOptions,
  type TagOptions,
  type TokenTags,
  type TaggedSentence,
} from './tagger/ner_tagger.js';
export { type OffsetUnit } from './tagger/offsets.js';
export type { GoldSentence } from './tagger/tag_steps.js';
export type { TaggingPiece, TaggingPlan } from './tagger/tagging_plan.js';
export { entitiesOf, type TaggedEntity } from './tagger/entities.js';
export { argmaxDecode, constrainedDecode, crfDecode, iob2Constraints, type DecodedTags, type SoftmaxDecoding } from './tagger/decode.js';
export { formatNerReport } from './tagger/report.js';

// Exported models
export {
  TAGGER_FORMAT,
  TAGGER_FORMAT_VERSION,
  TAGGER_FILES,
  TaggerLoadError,
  type TaggerManifest,
  type TaggerFileChecksum,
  ENSEMBLE_FORMAT,
  ENSEMBLE_FORMAT_VERSION,
  type EnsembleManifest,
} from './export/format.js';
export { loadTagger, fetchTaggerFiles, type TaggerFileReader } from './export/load.js';
export { taggerFiles, taggerWeights } from './export/save.js';
export {
  nerTorchMapping,
  NER_TORCH_CONFIG_KEY,
  nerTorchMappingProblem,
  nerTorchStateDict,
  nerWeightsFromTorchStateDict,
  exportNerTorchSafetensors,
  importNerTorchSafetensors,
  type NerTorchMappingRow,
  type NerTorchTransform,
  type NerTorchConfig,
  type NerModelAndConfig,
  type NerTorchWeights,
} from './export/torch_state.js';
