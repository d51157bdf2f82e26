import { tf } from '../backend/tf.js';
import { Branch } from '../combinators/branch.js';
import { Parallel } from '../combinators/parallel.js';
import type { Layer } from '../core/base.js';
import { Dropout, Embedding, PaddingMask, PositionalEncoding } from '../layers/core/index.js';
import { Fn } from '../core/fn.js';
import type { Mode, ShapeDtype } from '../core/types.js';
import { ATTENTION_TYPE_KEYS, type AttentionType, type AttentionTypeOptions, attentionTypesPerLayer } from './attention_types.js';
import { BLOCK_HYPERPARAMETER_KEYS, type BlockHyperparameters, type BlockOptions, resolveBlockOptions } from './block_options.js';
import { checkBool, checkInt, checkKnownKeys, keysOf } from './config_checks.js';

/**
 * Configuration of {@link ReformerEncoder} and {@link TransformerEncoder}.
 * @public
 */
export interface EncoderConfig extends BlockHyperparameters {
  /**
   * With a vocabulary size the encoder takes int32 token ids `[B, L]` and embeds them itself (one input, one
   * output). Without, it takes embedded activations `[B, L, dModel]` and a padding source (two inputs, one output);
   * see {@link ReformerEncoder} for how the mask flows.
   */
  vocabSize?: number;
  /** The id of padding tokens (default 0). */
  padId?: number;
  /** The number of encoder blocks. */
  nLayers: number;
  /** One attention type for all layers, or a list that alternates over the layers (default `'full'`). */
  attentionType?: AttentionType | readonly AttentionType[];
  /** Length of the positional encoding table, the longest accepted sequence (default 2048). */
  maxLen?: number;
  /** Whether to add a (trainable, sin/cos-initialised) positional encoding to the input (default true). */
  positionalEncoding?: boolean;
  /**
   * `true` (default): the blocks' backward pass reconstructs activations (memory flat in depth). `false`: the same
   * blocks and weights with tfjs's ordinary backward pass. Only `ReformerEncoder` has it.
   */
  reversible?: boolean;
}

const KEYS = [
  ...BLOCK_HYPERPARAMETER_KEYS,
  ...keysOf<Omit<EncoderConfig, keyof BlockHyperparameters>>({
    vocabSize: true,
    padId: true,
    nLayers: true,
    attentionType: true,
    maxLen: true,
    positionalEncoding: true,
    reversible: true,
  }),
];

/** A checked encoder configuration. */
export interface ResolvedEncoderConfig {
  block: BlockOptions;
  attentionTypes: AttentionType[];
  nLayers: number;
  vocabSize: number | undefined;
  padId: number;
  maxLen: number;
  positionalEncoding: boolean;
  reversible: boolean;
  dropout: number;
  mode: Mode;
}

/** Checks an encoder configuration (errors name `model` and the setting). */
export function resolveEncoderConfig(model: string, config: EncoderConfig): ResolvedEncoderConfig {
  if (config === null || typeof config !== 'object') throw new TypeError(`${model}: expected a configuration object`);
  checkKnownKeys(model, config, KEYS);
  const nLayers = checkInt(model, 'nLayers', config.nLayers);
  const o = resolveBlockOptions(model, { ...config, attentionType: undefined });
  const block: BlockOptions = { ...pickAttentionOptions(config), ...o, ffActivation: config.ffActivation };
  return {
    block,
    attentionTypes: attentionTypesPerLayer(model, config.attentionType, nLayers),
    nLayers,
    vocabSize: config.vocabSize === undefined ? undefined : checkInt(model, 'vocabSize', config.vocabSize),
    padId: checkInt(model, 'padId', config.padId ?? 0, 0),
    maxLen: checkInt(model, 'maxLen', config.maxLen ?? 2048),
    positionalEncoding: checkBool(model, 'positionalEncoding', config.positionalEncoding ?? true),
    reversible: checkBool(model, 'reversible', config.reversible ?? true),
    dropout: o.dropout,
    mode: o.mode,
  };
}

function pickAttentionOptions(config: AttentionTypeOptions): AttentionTypeOptions {
  const out: Record<string, unknown> = {};
  for (const key of ATTENTION_TYPE_KEYS) if (config[key] !== undefined) out[key] = config[key];
  return out;
}

/**
 * The padding mask from the encoder's second input: int32 token ids give `ids != padId`; a bool or float mask
 * (`[B, L]` or `[B, 1, 1, L]`, non-zero = real token) is kept as `mask != 0`. Always bool `[B, 1, 1, L]`. Named
 * `MaskFromPadSource`.
 * @public
 */
export function MaskFromPadSource(padId: number): Layer {
  const shapeOf = (s: readonly number[]): number[] => {
    if (s.length === 2) return [s[0]!, 1, 1, s[1]!];
    if (s.length === 4 && s[1] === 1 && s[2] === 1) return [...s];
    throw new RangeError(
      `MaskFromPadSource: expected token ids or a mask of shape [batch, length] or [batch, 1, 1, length], got [${s.join(',')}]`,
    );
  };
  return Fn(
    'MaskFromPadSource',
    (source) => {
      const shape = shapeOf(source.shape);
      const pad = source.dtype === 'int32' ? padId : 0;
      return tf.notEqual(source, tf.scalar(pad, source.dtype)).reshape(shape);
    },
    1,
    { outputSignature: (s: ShapeDtype) => ({ shape: shapeOf(s.shape), dtype: 'bool' }) },
  );
}

/**
 * The layers that turn the encoder's inputs into `x, mask`: with a vocabulary, `ids -> ids, mask -> x, mask`
 * (PaddingMask from the ids, then Embedding); without, `x, source -> x, mask`. Then embedding dropout and the
 * positional encoding on `x`.
 */
export function encoderFront(c: ResolvedEncoderConfig, dModel: number): Layer[] {
  const layers: Layer[] =
    c.vocabSize === undefined
      ? [Parallel(null, MaskFromPadSource(c.padId))]
      : [Branch(null, PaddingMask(c.padId)), Embedding(c.vocabSize, dModel)];
  layers.push(Dropout(c.dropout, { sharedAxes: [-2], mode: c.mode }));
  if (c.positionalEncoding)
    layers.push(PositionalEncoding({ maxLen: c.maxLen, dropout: c.dropout, mode: c.mode === 'predict' ? 'eval' : c.mode }));
  return layers;
}
