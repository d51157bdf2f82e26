import { Branch } from '../combinators/branch.js';
import { Dup, Select } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import type { Layer } from '../core/base.js';
import { Dense, Dropout, Embedding, LayerNorm, LogSoftmax, PaddingMask, PositionalEncoding, ShiftRight } from '../layers/core/index.js';
import type { Mode } from '../core/types.js';
import { ReversibleSerial } from '../reversible/reversible_serial.js';
import { type AttentionType, attentionTypesPerLayer } from './attention_types.js';
import { BLOCK_HYPERPARAMETER_KEYS, type BlockHyperparameters, resolveBlockOptions } from './block_options.js';
import { checkBool, checkInt, checkKnownKeys, keysOf } from './config_checks.js';
import { EncoderBlock } from './encoder_block.js';
import { EncoderDecoderBlock } from './encoder_decoder_block.js';
import { XYAvg } from './reformer_encoder.js';

/** Configuration of {@link Reformer}. @public */
export interface ReformerConfig extends BlockHyperparameters {
  /** Vocabulary of the source (and of the target unless `outputVocabSize` is set; then one embedding is shared). */
  inputVocabSize: number;
  /** Vocabulary of the target, with its own embedding (default: the source's, sharing the embedding). */
  outputVocabSize?: number;
  /** The id of padding tokens in the source (default 0). */
  padId?: number;
  /** The number of encoder blocks. */
  nEncoderLayers: number;
  /** The number of decoder blocks. */
  nDecoderLayers: number;
  /** Attention of the encoder layers (a list alternates; default `'full'`). */
  encoderAttentionType?: AttentionType | readonly AttentionType[];
  /** Causal self-attention of the decoder layers (a list alternates; default `'full'`). */
  decoderAttentionType?: AttentionType | readonly AttentionType[];
  /** The longest sequence (positional encoding tables; default 2048). */
  maxLen?: number;
  /** `false`: the same model with the ordinary backward pass. Default true. */
  reversible?: boolean;
}

const KEYS = [
  ...BLOCK_HYPERPARAMETER_KEYS,
  ...keysOf<Omit<ReformerConfig, keyof BlockHyperparameters>>({
    inputVocabSize: true,
    outputVocabSize: true,
    padId: true,
    nEncoderLayers: true,
    nDecoderLayers: true,
    encoderAttentionType: true,
    decoderAttentionType: true,
    maxLen: true,
    reversible: true,
  }),
];

/**
 * Trax's `Reformer`: a reversible encoder-decoder. `source, target -> log-probabilities`: int32 `[B, Ls]` and
 * `[B, Lt]` to float32 `[B, Lt, outputVocabSize]`, position `t` predicting target token `t` from the source and
 * the target tokens before it (teacher forcing: the target is shifted right inside).
 *
 * The source padding mask (`PaddingMask(padId)`) is made from the source ids and rides under the encoder streams
 * and then under the decoder streams, where every {@link EncoderDecoderBlock}'s encoder-decoder attention uses it.
 * Stack: `src tgt -> src mask tgt -> enc mask tgt -> tgt enc mask -> d1 d2 enc mask -> d -> logp`. Named `Reformer`.
 * @public
 */
export function Reformer(config: ReformerConfig): SerialLayer {
  const model = 'Reformer';
  if (config === null || typeof config !== 'object') throw new TypeError(`${model}: expected a configuration object`);
  checkKnownKeys(model, config, KEYS);
  const inputVocab = checkInt(model, 'inputVocabSize', config.inputVocabSize);
  const outputVocab = config.outputVocabSize === undefined ? undefined : checkInt(model, 'outputVocabSize', config.outputVocabSize);
  const padId = checkInt(model, 'padId', config.padId ?? 0, 0);
  const nEnc = checkInt(model, 'nEncoderLayers', config.nEncoderLayers);
  const nDec = checkInt(model, 'nDecoderLayers', config.nDecoderLayers);
  const maxLen = checkInt(model, 'maxLen', config.maxLen ?? 2048);
  const reversible = checkBool(model, 'reversible', config.reversible ?? true);
  const o = resolveBlockOptions(model, { ...config, attentionType: undefined });
  const encoderMode: Mode = o.mode === 'predict' ? 'eval' : o.mode;
  const base = { ...config, ...o, ffActivation: config.ffActivation };
  const encoderBlocks = attentionTypesPerLayer(model, config.encoderAttentionType, nEnc).map((attentionType) =>
    EncoderBlock({ ...base, attentionType, mode: encoderMode }),
  );
  const decoderBlocks = attentionTypesPerLayer(model, config.decoderAttentionType, nDec).map((attentionType) =>
    EncoderDecoderBlock({ ...base, attentionType }),
  );
  const inEmbedding = Embedding(inputVocab, o.dModel);
  const outEmbedding = outputVocab === undefined ? inEmbedding : Embedding(outputVocab, o.dModel);
  const positional = (mode: Mode): Layer[] => [
    Dropout(o.dropout, { sharedAxes: [-2], mode }),
    PositionalEncoding({ maxLen, dropout: o.dropout, mode: mode === 'predict' ? 'eval' : mode }),
  ];
  const encoder = namedSerial('Encoder', [
    inEmbedding,
    ...positional(encoderMode),
    Dup(),
    ReversibleSerial(...encoderBlocks, { reversibleBackward: reversible }),
    XYAvg(),
    LayerNorm(),
  ]);
  encoder.mode = encoderMode;
  const reformer = namedSerial(model, [
    Branch(null, PaddingMask(padId)), //            src mask tgt
    encoder, //                                     enc mask tgt
    Select([2, 0, 1]), //                           tgt enc mask
    ShiftRight(1, o.mode),
    outEmbedding,
    ...positional(o.mode), //                       dec enc mask
    Dup(), //                                       d1 d2 enc mask
    ReversibleSerial(...decoderBlocks, { reversibleBackward: reversible }),
    XYAvg(), //                                     d enc mask
    LayerNorm(),
    Select([0], 3), //                              d
    Dense(outputVocab ?? inputVocab),
    LogSoftmax(),
  ]);
  reformer.mode = o.mode;
  encoder.mode = encoderMode;
  return reformer;
}
