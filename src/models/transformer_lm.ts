import { CausalAttention } from '../attention/attention.js';
import { Residual } from '../combinators/residual.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import type { Layer } from '../core/base.js';
import { Dense, Dropout, Embedding, LayerNorm, LogSoftmax, PositionalEncoding, ShiftRight } from '../layers/core/index.js';
import type { Mode } from '../core/types.js';
import { checkInt, checkKnownKeys, checkRate, keysOf } from './config_checks.js';
import { activationLayer, type FfActivation } from './feed_forward.js';

/** Configuration of {@link TransformerLM}. @public */
export interface TransformerLMConfig {
  /** The number of token ids: the embedding's rows and the output's last axis. */
  vocabSize: number;
  /** Depth of the activations (default 512, as Trax). */
  dModel?: number;
  /** Depth of the feed-forward hidden layer (default 2048). */
  dFf?: number;
  /** Number of decoder blocks (default 6). */
  nLayers?: number;
  /** Number of attention heads; must divide `dModel` (default 8). */
  nHeads?: number;
  /** Dropout rate in mode `train` (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default `'relu'`, as Trax's `TransformerLM`). */
  ffActivation?: FfActivation;
  /** Longest sequence (positional encoding table; default 2048). */
  maxLen?: number;
  /** The mode the model starts in (default `'train'`); `'predict'` (set before `init`) decodes incrementally. */
  mode?: Mode;
}

const KEYS = keysOf<TransformerLMConfig>({
  vocabSize: true,
  dModel: true,
  dFf: true,
  nLayers: true,
  nHeads: true,
  dropout: true,
  ffActivation: true,
  maxLen: true,
  mode: true,
});

/**
 * Trax's `TransformerLM`: a causal (decoder-only) Transformer language model, `ids -> log-probabilities`: int32
 * `[B, L]` to float32 `[B, L, vocabSize]`, position `t` predicting token `t` from the tokens before it.
 *
 * Layers: `ShiftRight`, `Embedding`, `Dropout`, `PositionalEncoding`, then `nLayers` pre-LayerNorm decoder blocks
 * `Residual(LayerNorm, CausalAttention, Dropout)`, `Residual(LayerNorm, Dense(dFf), activation, Dropout,
 * Dense(dModel), Dropout)`, then `LayerNorm`, `Dense(vocabSize)`, `LogSoftmax` (Trax ends with the logits; the
 * log-softmax makes it interchangeable with {@link ReformerLM}).
 *
 * In mode `predict` (set before `init`, with the signature `[batch, maxDecodeLength]`), the model decodes
 * incrementally: `ShiftRight` is the identity, `PositionalEncoding` counts positions and each `CausalAttention`
 * keeps a key/value cache, so it takes the next token(s) `[B, n]` per call; see `autoregressiveSample`. Named
 * `TransformerLM`.
 * @public
 */
export function TransformerLM(config: TransformerLMConfig): SerialLayer {
  const model = 'TransformerLM';
  if (config === null || typeof config !== 'object') throw new TypeError(`${model}: expected a configuration object`);
  checkKnownKeys(model, config, KEYS);
  const vocabSize = checkInt(model, 'vocabSize', config.vocabSize);
  const dModel = checkInt(model, 'dModel', config.dModel ?? 512);
  const dFf = checkInt(model, 'dFf', config.dFf ?? 2048);
  const nLayers = checkInt(model, 'nLayers', config.nLayers ?? 6, 0);
  const nHeads = checkInt(model, 'nHeads', config.nHeads ?? 8);
  if (dModel % nHeads !== 0) throw new RangeError(`${model}: dModel (${dModel}) is not a multiple of nHeads (${nHeads})`);
  const dropout = checkRate(model, 'dropout', config.dropout ?? 0.1);
  const maxLen = checkInt(model, 'maxLen', config.maxLen ?? 2048);
  const mode = config.mode ?? 'train';
  const drop = (): Layer => Dropout(dropout, { mode });
  const blocks = Array.from({ length: nLayers }, () => [
    Residual(LayerNorm(), CausalAttention(dModel, { nHeads, dropout, mode }), drop()),
    Residual(LayerNorm(), Dense(dFf), activationLayer(model, config.ffActivation ?? 'relu'), drop(), Dense(dModel), drop()),
  ]).flat();
  const lm = namedSerial(model, [
    ShiftRight(1, mode),
    Embedding(vocabSize, dModel),
    drop(),
    PositionalEncoding({ maxLen, mode }),
    ...blocks,
    LayerNorm(),
    Dense(vocabSize),
    LogSoftmax(),
  ]);
  lm.mode = mode;
  return lm;
}
