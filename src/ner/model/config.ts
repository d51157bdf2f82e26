/**
 * The configuration of the NER tagger model, its defaults, and its validation.
 */
import { match, P } from 'ts-pattern';

/** The attention of every encoder layer. @public */
export type NerAttention = 'full' | 'chunked' | 'lsh' | 'local';

/**
 * The tagger's context encoder, the part between the token embedding and the tag scores (the survey of NER by Li et
 * al. names CNN, recurrent and Transformer encoders): `'reformer'` (the default: trax-ts's `ReformerEncoder`),
 * `'transformer'` (`TransformerEncoder`: one residual stream, the ordinary backward pass), `'bilstm'` (stacked
 * BiLSTMs, `BiLSTMEncoder`) or `'cnn'` (an iterated dilated CNN, `IdCnnEncoder`). See {@link NerModelConfig}'s
 * `encoder` for which settings each reads.
 * @public
 */
export type NerEncoder = 'reformer' | 'transformer' | 'bilstm' | 'cnn';

/** The encoders, in the order messages list them. @public */
export const NER_ENCODERS: readonly NerEncoder[] = Object.freeze(['reformer', 'transformer', 'bilstm', 'cnn']);

/** The feed-forward activation of the encoder. @public */
export type NerActivation = 'relu' | 'gelu' | 'fastGelu';

/**
 * Everything that defines the tagger's architecture (not its vocabularies, whose sizes come from the data).
 * JSON-serialisable: it is saved in checkpoints' output directories and in exported models.
 * @public
 */
export interface NerModelConfig {
  /** Encoder blocks (BiLSTM layers for `'bilstm'`; applications of the dilated block for `'cnn'`). */
  readonly nLayers: number;
  /** Width of the embeddings and of the encoder's streams. */
  readonly dModel: number;
  /** Width of the feed-forward hidden layer. */
  readonly dFf: number;
  /** Attention heads (must divide `dModel`). */
  readonly nHeads: number;
  /**
   * `'full'`, `'chunked'` (Reformer's local attention over chunks of `chunkLen` and their neighbours), `'lsh'`
   * (Reformer's LSH attention) or `'local'` (full attention masked to a band of `localRadius` positions on each
   * side: a locality prior at full attention's speed, see `LocalSelfAttention`).
   */
  readonly attention: NerAttention;
  /** Chunk length of `'chunked'` and `'lsh'` attention. */
  readonly chunkLen: number;
  /** Positions on each side that `'local'` attention sees. */
  readonly localRadius: number;
  /** Reversible residual blocks (activations recomputed in the backward pass: memory flat in depth). */
  readonly reversible: boolean;
  /** Dropout rate in the encoder (embeddings, attention output, feed-forward). */
  readonly dropout: number;
  /** Feed-forward activation. */
  readonly ffActivation: NerActivation;
  /** Add a learned embedding of each word's shape (capitalisation, digits; see `wordShape`). */
  readonly wordShapes: boolean;
  /** Add a character-level CNN representation of each word (the remedy for unknown words). */
  readonly charFeatures: boolean;
  /** Characters of a word seen by the character CNN (longer words are cut). */
  readonly maxWordLength: number;
  /** Width of the character embeddings. */
  readonly dChar: number;
  /** Filters of the character CNN (its window is 3 characters). */
  readonly charFilters: number;
  /**
   * Add a bidirectional LSTM between the embeddings and the encoder (`x + [forward | backward]`, `dModel / 2` units
   * each way, padding-aware; see `PaddedBiLSTM`): a sequential view of word order before attention. `dModel` must
   * be even. Off by default; a model without it has the same layers and weight paths as before the setting existed.
   */
  readonly bilstm: boolean;
  /** Decode with a linear-chain CRF (Viterbi; trained with the forward algorithm) instead of per-token softmax. */
  readonly crf: boolean;
  /** The longest sentence the model takes in one piece (longer ones are tagged in pieces). */
  readonly maxLen: number;
  /**
   * Width of the word embedding (0, the default: `dModel`). Another width (that of pretrained word vectors, say
   * 100 for GloVe 6B 100d) makes the word embedding `[V, wordVectorDim]` followed by a learned projection
   * `Dense(dModel)`; at 0 or `dModel` the model has the layers and weight paths of models saved before the
   * setting existed.
   */
  readonly wordVectorDim: number;
  /**
   * Document context (0, the default: each sentence is read alone). Above 0, each sentence is encoded inside a
   * window of up to this many tokens of its document (the sentence and its neighbours on both sides, see
   * `contextWindow`), with a learned embedding of "is a target token" added to every token's vector; the loss and
   * the predictions are the target sentence's tokens only. At most `maxLen` (a window is taken in one piece). At 0
   * the model has the layers and weight paths of models saved before the setting existed.
   */
  readonly contextTokens: number;
  /**
   * The context encoder (default `'reformer'`; see {@link NerEncoder}). `'reformer'` and `'transformer'` read
   * `nLayers` (blocks), `nHeads`, `dFf`, `attention`, `chunkLen`, `localRadius`, `ffActivation` and `dropout`
   * (`reversible` only the Reformer). `'bilstm'`: `nLayers` stacked BiLSTMs of `dModel / 2` units each way, each
   * residual, with `dropout` after each. `'cnn'`: an ID-CNN block (kernel 3, dilations 1, 2, 4, a ReLU after each
   * convolution) applied `nLayers` times with shared weights, `dropout` before each application. The attention
   * settings are not read by `'bilstm'` and `'cnn'`. The `bilstm` setting (a BiLSTM before the encoder) goes with
   * every encoder but `'bilstm'`, and `reversible` only with `'reformer'`. A configuration saved before the setting
   * existed reads as `'reformer'`, the model it was.
   */
  readonly encoder: NerEncoder;
}

/** Whether a configuration projects its word embedding to `dModel` (a `wordVectorDim` other than 0 and `dModel`). @public */
export function hasWordProjection(config: NerModelConfig): boolean {
  return config.wordVectorDim !== 0 && config.wordVectorDim !== config.dModel;
}

/**
 * The recipe's default model: a 2-block Reformer encoder of width 128 (4 heads, feed-forward 512, ReLU, dropout
 * 0.1) with local attention (radius 8) over word, word-shape and character-CNN features, decoded by a CRF. The
 * blocks are not reversible by default: at this size memory is no concern, and recomputing activations costs
 * about a sixth of the training speed that the 20-minute budget needs (turn `reversible` on for deep or long
 * models; the results are the same function of the weights).
 * @public
 */
export const DEFAULT_NER_MODEL_CONFIG: NerModelConfig = Object.freeze({
  nLayers: 2,
  dModel: 128,
  dFf: 512,
  nHeads: 4,
  attention: 'local',
  chunkLen: 32,
  localRadius: 8,
  reversible: false,
  dropout: 0.1,
  ffActivation: 'relu',
  wordShapes: true,
  charFeatures: true,
  maxWordLength: 16,
  dChar: 32,
  charFilters: 64,
  bilstm: false,
  crf: true,
  maxLen: 128,
  wordVectorDim: 0,
  contextTokens: 0,
  encoder: 'reformer',
});

/** A configuration that is not valid; the message names the setting and what is wrong. @public */
export class NerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NerConfigError';
  }
}

const KEYS = Object.keys(DEFAULT_NER_MODEL_CONFIG) as Array<keyof NerModelConfig>;

function fail(message: string): never {
  throw new NerConfigError(`NER model config: ${message}`);
}

function positiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    fail(`${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function contextTokensOf(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 8192) {
    fail(`contextTokens must be 0 (each sentence alone) or a window of 1 to 8192 tokens, got ${JSON.stringify(value)}`);
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * A complete, checked configuration: `partial` over {@link DEFAULT_NER_MODEL_CONFIG}. Refused with a
 * {@link NerConfigError} naming the setting: unknown settings (usually typos), wrong types, out-of-range values,
 * `dModel` not divisible by `nHeads`, an odd `dModel` with `bilstm` or encoder `'bilstm'`, an unknown encoder,
 * attention or activation, `bilstm` with encoder `'bilstm'`, `reversible` with another encoder than `'reformer'`,
 * a `chunkLen` or `contextTokens` above `maxLen`, a negative or fractional `contextTokens`.
 * @public
 */
export function resolveNerModelConfig(partial: Partial<NerModelConfig> | Record<string, unknown> = {}): NerModelConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) fail(`expected an object, got ${JSON.stringify(partial)}`);
  for (const key of Object.keys(partial)) {
    if (!(KEYS as string[]).includes(key)) fail(`unknown setting '${key}'; known settings are ${KEYS.join(', ')}`);
  }
  const c = { ...DEFAULT_NER_MODEL_CONFIG, ...(partial as Partial<NerModelConfig>) };
  const encoder = match(c.encoder as unknown)
    .with(P.union('reformer', 'transformer', 'bilstm', 'cnn'), (e) => e)
    .otherwise((e) => fail(`encoder must be ${NER_ENCODERS.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(e)}`));
  const attention = match(c.attention as unknown)
    .with(P.union('full', 'chunked', 'lsh', 'local'), (a) => a)
    .otherwise((a) => fail(`attention must be 'full', 'chunked', 'lsh' or 'local', got ${JSON.stringify(a)}`));
  const ffActivation = match(c.ffActivation as unknown)
    .with(P.union('relu', 'gelu', 'fastGelu'), (a) => a)
    .otherwise((a) => fail(`ffActivation must be 'relu', 'gelu' or 'fastGelu', got ${JSON.stringify(a)}`));
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1))
    fail(`dropout must be a number in [0, 1), got ${JSON.stringify(c.dropout)}`);
  const config: NerModelConfig = {
    nLayers: positiveInt('nLayers', c.nLayers, 64),
    dModel: positiveInt('dModel', c.dModel, 4096),
    dFf: positiveInt('dFf', c.dFf, 16384),
    nHeads: positiveInt('nHeads', c.nHeads, 64),
    attention,
    chunkLen: positiveInt('chunkLen', c.chunkLen, 4096),
    localRadius: positiveInt('localRadius', c.localRadius, 4096),
    reversible: bool('reversible', c.reversible),
    dropout: c.dropout,
    ffActivation,
    wordShapes: bool('wordShapes', c.wordShapes),
    charFeatures: bool('charFeatures', c.charFeatures),
    maxWordLength: positiveInt('maxWordLength', c.maxWordLength, 256),
    dChar: positiveInt('dChar', c.dChar, 1024),
    charFilters: positiveInt('charFilters', c.charFilters, 4096),
    bilstm: bool('bilstm', c.bilstm),
    crf: bool('crf', c.crf),
    maxLen: positiveInt('maxLen', c.maxLen, 8192),
    wordVectorDim: c.wordVectorDim === 0 ? 0 : positiveInt('wordVectorDim', c.wordVectorDim, 4096),
    contextTokens: contextTokensOf(c.contextTokens),
    encoder,
  };
  if (config.dModel % config.nHeads !== 0) fail(`dModel ${config.dModel} must be divisible by nHeads ${config.nHeads}`);
  if ((config.bilstm || config.encoder === 'bilstm') && config.dModel % 2 !== 0)
    fail(
      `${config.encoder === 'bilstm' ? "encoder 'bilstm'" : 'bilstm'} needs an even dModel (dModel / 2 units each way), got dModel ${config.dModel}`,
    );
  if (config.encoder === 'bilstm' && config.bilstm)
    fail(
      "bilstm (a BiLSTM before the encoder) with encoder 'bilstm': the encoder is already nLayers BiLSTMs; set bilstm to false, or raise nLayers",
    );
  if (config.reversible && config.encoder !== 'reformer')
    fail(`reversible blocks are the Reformer's; encoder '${config.encoder}' has none (set reversible to false, or use encoder 'reformer')`);
  if ((config.attention === 'chunked' || config.attention === 'lsh') && config.chunkLen > config.maxLen) {
    fail(`chunkLen ${config.chunkLen} is longer than maxLen ${config.maxLen}`);
  }
  if (config.contextTokens > config.maxLen) {
    fail(
      `contextTokens ${config.contextTokens} is longer than maxLen ${config.maxLen} (a context window is encoded in one piece: raise maxLen, or use at most ${config.maxLen} context tokens)`,
    );
  }
  return Object.freeze(config);
}
