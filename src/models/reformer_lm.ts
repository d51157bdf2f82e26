import { Concatenate } from '../combinators/concatenate.js';
import { Dup } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import { Dense, Dropout, Embedding, LayerNorm, LogSoftmax, PositionalEncoding, ShiftRight } from '../layers/core/index.js';
import { ReversibleSerial } from '../reversible/reversible_serial.js';
import { type AttentionType, attentionTypesPerLayer } from './attention_types.js';
import { BLOCK_HYPERPARAMETER_KEYS, type BlockHyperparameters, resolveBlockOptions } from './block_options.js';
import { checkBool, checkInt, checkKnownKeys, keysOf } from './config_checks.js';
import { DecoderBlock } from './decoder_block.js';

/** Configuration of {@link ReformerLM}. @public */
export interface ReformerLMConfig extends BlockHyperparameters {
  /** The number of token ids: the embedding's rows and the output's last axis. */
  vocabSize: number;
  /** The number of decoder blocks. */
  nLayers: number;
  /** One attention type for all layers, or a list that alternates over the layers (default `'full'`). */
  attentionType?: AttentionType | readonly AttentionType[];
  /** Longest sequence (positional encoding table; default 2048). */
  maxLen?: number;
  /** `false`: the same model with the ordinary backward pass. Default true. */
  reversible?: boolean;
}

const KEYS = [
  ...BLOCK_HYPERPARAMETER_KEYS,
  ...keysOf<Omit<ReformerLMConfig, keyof BlockHyperparameters>>({
    vocabSize: true,
    nLayers: true,
    attentionType: true,
    maxLen: true,
    reversible: true,
  }),
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
