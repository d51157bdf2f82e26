import { Concatenate } from '../combinators/concatenate.js';
import { Dup } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import { Dense, Dropout, Embedding, LayerNorm, LogSoftmax, PositionalEncoding, ShiftRight } from '../layers/core/index.js';
import type { Mode } from '../core/types.js';
import { ReversibleSerial } from '../reversible/reversible_serial.js';
import { ATTENTION_TYPE_KEYS, type AttentionType, type AttentionTypeOptions, attentionTypesPerLayer } from './attention_types.js';
import { resolveBlockOptions } from './block_options.js';
import { checkBool, checkInt, checkKnownKeys } from './config_checks.js';
import { DecoderBlock } from './decoder_block.js';
import type { FfActivation } from './feed_forward.js';

/** Configuration of {@link ReformerLM}. @public */
export interface ReformerLMConfig extends AttentionTypeOptions {
  /** The number of token ids: the embedding's rows and the output's last axis. */
  vocabSize: number;
  /** The depth of the activations. */
  dModel: number;
  /** The depth of the feed-forward hidden layers. */
  dFf: number;
  /** The number of decoder blocks. */
  nLayers: number;
  /** The number of attention heads. */
  nHeads: number;
  /** The depth of each head's queries and keys (default `dModel / nHeads`). */
  dQk?: number;
  /** The depth of each head's values (default `dModel / nHeads`). */
  dV?: number;
  /** One attention type for all layers, or a list that alternates over the layers (default `'full'`). */
  attentionType?: AttentionType | readonly AttentionType[];
  /** The dropout rate (embeddings, attention output, feed-forward; default 0.1). */
  dropout?: number;
  /** The dropout rate on the attention weights (default: `dropout`). */
  attentionDropout?: number;
  /** The dropout rate after the feed-forward activation (default: `dropout`). */
  ffDropout?: number;
  /** The feed-forward activation (default `'fastGelu'`). */
  ffActivation?: FfActivation;
  /** The feed-forward chunk size in positions (default 0: unchunked). */
  ffChunkSize?: number;
  /** Longest sequence (positional encoding table; default 2048). */
  maxLen?: number;
  /** `false`: the same model with the ordinary backward pass. Default true. */
  reversible?: boolean;
  /** The mode the model starts in (default `'train'`); `'predict'` (set before `init`) decodes incrementally. */
  mode?: Mode;
}

const KEYS = [
  'vocabSize',
  'dModel',
  'dFf',
  'nLayers',
  'nHeads',
  'dQk',
  'dV',
  'attentionType',
  'dropout',
  'attentionDropout',
  'ffDropout',
  'ffActivation',
  'ffChunkSize',
  'maxLen',
  'reversible',
  'mode',
  ...ATTENTION_TYPE_KEYS,
];

/**
 * Trax's `ReformerLM`: a reversible, causal (decoder-only) language model. `ids -> log-probabilities`: int32
 * `[B, L]` to float32 `[B, L, vocabSize]`, position `t` predicting token `t` from the tokens before it.
 *
 * Layers: `ShiftRight`, `Embedding`, `Dropout`, `PositionalEncoding`, `Dup`,
 * `ReversibleSerial(DecoderBlock × nLayers)`, `Concatenate` (the two streams, `2·dModel`), `LayerNorm`, `Dropout`,
 * `Dense(vocabSize)`, `LogSoftmax`. Named `ReformerLM`.
 *
 * In mode `predict` (set before `init`, with the signature `[batch, maxDecodeLength]`), the model decodes
 * incrementally: `ShiftRight` is the identity, `PositionalEncoding` counts positions, and the causal attention
 * layers (`'full'`, `'chunked'`, `'local'`, `'lsh'`) keep key/value caches in their state, so it takes the next token(s)
 * `[B, n]` per call and each costs time linear in the tokens before it; see `autoregressiveSample`. With full, chunked or
 * local attention, decoding gives exactly the log-probabilities of mode `eval` on the growing prefix; with
 * several LSH layers, those of each position computed as the last of its prefix (see `LSHSelfAttentionLayer`).
 * @public
 */
export function ReformerLM(config: ReformerLMConfig): SerialLayer {
  const model = 'ReformerLM';
  if (config === null || typeof config !== 'object') throw new TypeError(`${model}: expected a configuration object`);
  checkKnownKeys(model, config, KEYS);
  const vocabSize = checkInt(model, 'vocabSize', config.vocabSize);
  const nLayers = checkInt(model, 'nLayers', config.nLayers);
  const maxLen = checkInt(model, 'maxLen', config.maxLen ?? 2048);
  const reversible = checkBool(model, 'reversible', config.reversible ?? true);
  const o = resolveBlockOptions(model, { ...config, attentionType: undefined });
  const types = attentionTypesPerLayer(model, config.attentionType, nLayers);
  const blocks = types.map((attentionType) => DecoderBlock({ ...config, ...o, attentionType, ffActivation: config.ffActivation }));
  const lm = namedSerial(model, [
    ShiftRight(1, o.mode),
    Embedding(vocabSize, o.dModel),
    Dropout(o.dropout, { sharedAxes: [-2], mode: o.mode }),
    PositionalEncoding({ maxLen, dropout: o.dropout, mode: o.mode }),
    Dup(),
    ReversibleSerial(...blocks, { reversibleBackward: reversible }),
    Concatenate(),
    LayerNorm(),
    Dropout(o.dropout, { sharedAxes: [-2], mode: o.mode }),
    Dense(vocabSize),
    LogSoftmax(),
  ]);
  lm.mode = o.mode;
  return lm;
}
