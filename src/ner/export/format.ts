/**
 * The exported tagger directory: its files and the manifest that describes them.
 *
 * ```
 * tagger.json    the manifest below: format and version, model configuration, vocabulary sizes, weight specs,
 *                the size and SHA-256 of each other file
 * vocabs.json    the word, character and tag vocabularies (`nerVocabsToJSON`)
 * weights.bin    every weight, float32, in the order of the manifest's weight specs (`tf.io.encodeWeights`)
 * ```
 *
 * The loader checks each file's size and checksum, that every weight is finite, and that the weights are exactly
 * those of the configured model (a CRF's weights with `"crf": true` only), so a damaged or edited export is refused
 * instead of tagging nonsense.
 *
 * Weights are keyed by their path through the model (`NerTagger/2/Dense_17/w`), as in checkpoints, plus
 * `crf/transitions`, `crf/start`, `crf/end` for a CRF model. The weight specs are tfjs's `WeightsManifestEntry`s
 * in tfjs's `weightsManifest` layout, so the binary file is read with `tf.io.decodeWeights`.
 *
 * An ensemble of taggers is a directory whose `tagger.json` is an {@link EnsembleManifest} listing its members'
 * subdirectories, each an exported tagger as above:
 *
 * ```
 * tagger.json    {"format": "trax-ts-ner-ensemble", "formatVersion": 1, "members": ["member-1", "member-2"]}
 * member-1/      tagger.json, vocabs.json, weights.bin
 * member-2/      ...
 * ```
 */
import type { tf } from '../../backend/tf.js';
import type { NerModelConfig } from '../model/config.js';
import type { NerModelSizes } from '../model/token_embedding.js';
import type { SoftmaxDecoding } from '../tagger/decode.js';

/** The `format` of `tagger.json`. @public */
export const TAGGER_FORMAT = 'trax-ts-ner-tagger';

/** The version of the format this library writes and reads. @public */
export const TAGGER_FORMAT_VERSION = 2;

/** The file names of an exported tagger. @public */
export const TAGGER_FILES = Object.freeze({ manifest: 'tagger.json', vocabs: 'vocabs.json', weights: 'weights.bin' });

/** The contents of `tagger.json`. @public */
export interface TaggerManifest {
  /** Always {@link TAGGER_FORMAT}: marks the file as an exported tagger. */
  readonly format: typeof TAGGER_FORMAT;
  /**
   * The version of the format it was written in; the loader refuses other versions than {@link
   * TAGGER_FORMAT_VERSION}.
   */
  readonly formatVersion: number;
  /** The model's configuration, from which the loader rebuilds it. */
  readonly config: NerModelConfig;
  /** The vocabulary sizes the model was built for (checked against `vocabs.json`). */
  readonly sizes: NerModelSizes;
  /** How a softmax model's output is decoded (ignored for a CRF model). */
  readonly decoding: SoftmaxDecoding;
  /** The vocabularies file (relative name). */
  readonly vocabs: string;
  /** tfjs's weights manifest: one group, its binary file(s) and weight specs. */
  readonly weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  /** The other files (vocabularies, weights) by relative name: their size in bytes and SHA-256 (lowercase hex). */
  readonly files: Readonly<Record<string, TaggerFileChecksum>>;
  /** Free-form facts about the model (corpus, steps, dev F1, ...). */
  readonly metadata?: Record<string, unknown>;
}

/** The size and checksum of one file of an exported tagger. @public */
export interface TaggerFileChecksum {
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256, lowercase hex. */
  readonly sha256: string;
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

/** The `format` of an ensemble's `tagger.json`. @public */
export const ENSEMBLE_FORMAT = 'trax-ts-ner-ensemble';

/** The version of the ensemble format this library writes and reads. @public */
export const ENSEMBLE_FORMAT_VERSION = 1;

/** The contents of an ensemble's `tagger.json`. @public */
export interface EnsembleManifest {
  /** Always {@link ENSEMBLE_FORMAT}: marks the directory as an ensemble. */
  readonly format: typeof ENSEMBLE_FORMAT;
  /** The version of the ensemble format it was written in ({@link ENSEMBLE_FORMAT_VERSION}). */
  readonly formatVersion: number;
  /** The members' directories, relative to the ensemble's (`member-1`, ...), each an exported tagger. */
  readonly members: string[];
  /** Free-form facts about the ensemble (corpus, the members' seeds and scores, ...). */
  readonly metadata?: Record<string, unknown>;
}
