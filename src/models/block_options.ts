import type { Mode } from '../core/types.js';
import type { AttentionType, AttentionTypeOptions } from './attention_types.js';
import { checkInt, checkRate, headDepth } from './config_checks.js';
import type { FfActivation } from './feed_forward.js';

/** Options of {@link EncoderBlock}, {@link DecoderBlock} and {@link EncoderDecoderBlock}. @public */
export interface BlockOptions extends AttentionTypeOptions {
  /** The depth of the activations the block takes and gives. */
  dModel: number;
  /** The depth of the feed-forward hidden layer. */
  dFf: number;
  /** The number of attention heads. */
  nHeads: number;
  /** Depth of each head's queries and keys (default `dModel / nHeads`). */
  dQk?: number;
  /** Depth of each head's values (default `dModel / nHeads`). */
  dV?: number;
  /** The block's attention (default `'full'`). */
  attentionType?: AttentionType;
  /** Dropout rate after the attention and the feed-forward block (default 0.1). */
  dropout?: number;
  /** Dropout rate on the attention weights (default: `dropout`). */
  attentionDropout?: number;
  /** Dropout rate after the feed-forward activation (default: `dropout`). */
  ffDropout?: number;
  /** Feed-forward activation (default `'fastGelu'`). */
  ffActivation?: FfActivation;
  /** Feed-forward chunk size in positions (default 0: unchunked); see `FeedForward`. */
  ffChunkSize?: number;
  /** `false`: the block's own stack uses the ordinary backward pass (see `ReversibleSerial`). Default true. */
  reversibleBackward?: boolean;
  /** The mode the block's layers start in (default `'train'`). */
  mode?: Mode;
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
