import type { Mode } from '../core/types.js';
import { ATTENTION_TYPE_KEYS, type AttentionType, type AttentionTypeOptions } from './attention_types.js';
import { checkInt, checkRate, headDepth, keysOf } from './config_checks.js';
import type { FfActivation } from './feed_forward.js';

/**
 * The hyperparameters of a model's blocks: depths, heads, dropout rates, the feed-forward layer and the built-in
 * attention types' settings. The block options ({@link BlockOptions}) and the model configurations
 * ({@link EncoderConfig}, {@link ReformerLMConfig}, {@link ReformerConfig}) extend it, so each is written once.
 * @public
 */
export interface BlockHyperparameters extends AttentionTypeOptions {
  /** The depth of the activations the blocks take and give. */
  dModel: number;
  /** The depth of the feed-forward hidden layer. */
  dFf: number;
  /** The number of attention heads. */
  nHeads: number;
  /** Depth of each head's queries and keys (default `dModel / nHeads`). */
  dQk?: number;
  /** Depth of each head's values (default `dModel / nHeads`). */
  dV?: number;
  /** Dropout rate after the attention and the feed-forward layer, and on a model's embeddings (default 0.1). */
  dropout?: number;
  /** Dropout rate on the attention weights (default: `dropout`). */
  attentionDropout?: number;
  /** Dropout rate after the feed-forward activation (default: `dropout`). */
  ffDropout?: number;
  /** Feed-forward activation (default `'fastGelu'`). */
  ffActivation?: FfActivation;
  /** Feed-forward chunk size in positions (default 0: unchunked); see `FeedForward`. */
  ffChunkSize?: number;
  /** The mode the layers start in (default `'train'`). */
  mode?: Mode;
}

/** The settings names of {@link BlockHyperparameters}, for configuration checks. */
export const BLOCK_HYPERPARAMETER_KEYS = [
  ...keysOf<Omit<BlockHyperparameters, keyof AttentionTypeOptions>>({
    dModel: true,
    dFf: true,
    nHeads: true,
    dQk: true,
    dV: true,
    dropout: true,
    attentionDropout: true,
    ffDropout: true,
    ffActivation: true,
    ffChunkSize: true,
    mode: true,
  }),
  ...ATTENTION_TYPE_KEYS,
];

/** Options of {@link EncoderBlock}, {@link DecoderBlock} and {@link EncoderDecoderBlock}. @public */
export interface BlockOptions extends BlockHyperparameters {
  /** The block's attention (default `'full'`). */
  attentionType?: AttentionType;
  /** `false`: the block's own stack uses the ordinary backward pass (see `ReversibleSerial`). Default true. */
  reversibleBackward?: boolean;
}

/** The settings of a block, checked and with defaults filled in. */
export interface ResolvedBlockOptions {
  dModel: number;
  dFf: number;
  nHeads: number;
  dQk: number;
  dV: number;
  dropout: number;
  attentionDropout: number;
  ffDropout: number;
  ffChunkSize: number;
  mode: Mode;
}

/** Checks block options and fills in defaults; errors name `model`. */
export function resolveBlockOptions(model: string, o: BlockOptions): ResolvedBlockOptions {
  const dModel = checkInt(model, 'dModel', o.dModel);
  const nHeads = checkInt(model, 'nHeads', o.nHeads);
  const dropout = checkRate(model, 'dropout', o.dropout ?? 0.1);
  const mode = o.mode ?? 'train';
  if (mode !== 'train' && mode !== 'eval' && mode !== 'predict')
    throw new Error(`${model}: mode must be 'train', 'eval' or 'predict', got '${String(mode)}'`);
  return {
    dModel,
    dFf: checkInt(model, 'dFf', o.dFf),
    nHeads,
    dQk: headDepth(model, 'dQk', o.dQk, dModel, nHeads),
    dV: headDepth(model, 'dV', o.dV, dModel, nHeads),
    dropout,
    attentionDropout: checkRate(model, 'attentionDropout', o.attentionDropout ?? dropout),
    ffDropout: checkRate(model, 'ffDropout', o.ffDropout ?? dropout),
    ffChunkSize: checkInt(model, 'ffChunkSize', o.ffChunkSize ?? 0, 0),
    mode,
  };
}
