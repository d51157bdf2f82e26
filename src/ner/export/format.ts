/**
 * The exported tagger directory: its files and the manifest that describes them.
 *
 * ```
 * tagger.json    the manifest below: format and version, model configuration, vocabulary sizes, weight specs
 * vocabs.json    the word, character and tag vocabularies (`nerVocabsToJSON`)
 * weights.bin    every weight, float32, in the order of the manifest's weight specs (`tf.io.encodeWeights`)
 * ```
 *
 * Weights are keyed by their path through the model (`NerTagger/2/Dense_17/w`), as in checkpoints, plus
 * `crf/transitions`, `crf/start`, `crf/end` for a CRF model. The weight specs are tfjs's `WeightsManifestEntry`s
 * in tfjs's `weightsManifest` layout, so the binary file is read with `tf.io.decodeWeights`.
 */
import type { tf } from '../../backend/tf.js';
import type { NerModelConfig } from '../model/config.js';
import type { NerModelSizes } from '../model/token_embedding.js';
import type { SoftmaxDecoding } from '../tagger/decode.js';

/** The `format` of `tagger.json`. @public */
export const TAGGER_FORMAT = 'trax-ts-ner-tagger';

/** The version of the format this library writes and reads. @public */
export const TAGGER_FORMAT_VERSION = 1;

/** The file names of an exported tagger. @public */
export const TAGGER_FILES = Object.freeze({ manifest: 'tagger.json', vocabs: 'vocabs.json', weights: 'weights.bin' });

/** The contents of `tagger.json`. @public */
export interface TaggerManifest {
  readonly format: typeof TAGGER_FORMAT;
  readonly formatVersion: number;
  readonly config: NerModelConfig;
  readonly sizes: NerModelSizes;
  readonly decoding: SoftmaxDecoding;
  /** The vocabularies file (relative name). */
  readonly vocabs: string;
  /** tfjs's weights manifest: one group, its binary file(s) and weight specs. */
  readonly weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  /** Free-form facts about the model (corpus, steps, dev F1, ...). */
  readonly metadata?: Record<string, unknown>;
}

/** An exported tagger that cannot be loaded: the message names the file and the problem. @public */
export class TaggerLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaggerLoadError';
  }
}

/** Prefix of the CRF's weights in an exported tagger. */
export const CRF_PREFIX = 'crf/';
