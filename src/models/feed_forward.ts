import { BatchLeadingAxes } from '../combinators/batch_leading_axes.js';
import { Chunk } from '../combinators/chunk.js';
import { namedSerial } from '../combinators/serial.js';
import type { Layer } from '../core/base.js';
import { Dense, Dropout, FastGelu, Gelu, LayerNorm, Relu } from '../layers/core/index.js';
import type { Mode } from '../core/types.js';
import { checkInt, checkRate } from './config_checks.js';

/** The activation of a feed-forward block: a name, or a function making the layer. @public */
export type FfActivation = 'relu' | 'gelu' | 'fastGelu' | (() => Layer);

/** Options of {@link FeedForward}. @public */
export interface FeedForwardOptions {
  /** The depth of the activations the block takes and gives. */
  dModel: number;
  /** The depth of the hidden layer. */
  dFf: number;
  /** Dropout after the block (default 0). */
  dropout?: number;
  /** Dropout after the activation (default: `dropout`). */
  ffDropout?: number;
  /** Activation (default `'fastGelu'`, as Trax's Reformer). */
  activation?: FfActivation;
  /**
   * When > 0, the block runs on chunks of this many positions (rows of `[B·L, dModel]`) at a time, which bounds
   * the size of the `[.., dFf]` intermediate. The result equals the unchunked block's outside training (and with
   * dropout 0); in training the dropout patterns differ (drawn per chunk), as in Trax.
   */
  chunkSize?: number;
  /** The mode the block's dropout layers start in (default `'train'`). */
  mode?: Mode;
}

/** The activation layer for a setting. */
export function activationLayer(model: string, activation: FfActivation | undefined): Layer {
  if (activation === undefined || activation === 'fastGelu') return FastGelu();
  if (activation === 'gelu') return Gelu();
  if (activation === 'relu') return Relu();
  if (typeof activation === 'function') return activation();
  throw new Error(`${model}: unknown ffActivation '${String(activation)}'; use 'relu', 'gelu', 'fastGelu' or a function making the layer`);
}

/**
 * The pre-LayerNorm feed-forward block of Trax's Reformer: `LayerNorm, Dense(dFf), Dropout, activation,
 * Dense(dModel), Dropout` (dropout masks shared along the position axis), optionally chunked (see `chunkSize`).
 * Named `FeedForward`; chunked, `BatchLeadingAxes_Chunk[FeedForward]`.
 * @public
 */
export function FeedForward(options: FeedForwardOptions): Layer {
  const model = 'FeedForward';
  const dModel = checkInt(model, 'dModel', options.dModel);
  const dFf = checkInt(model, 'dFf', options.dFf);
  const dropout = checkRate(model, 'dropout', options.dropout ?? 0);
  const ffDropout = checkRate(model, 'ffDropout', options.ffDropout ?? dropout);
  const chunkSize = checkInt(model, 'chunkSize', options.chunkSize ?? 0, 0);
  const mode = options.mode ?? 'train';
  const block = namedSerial(model, [
    LayerNorm(),
    Dense(dFf),
    Dropout(ffDropout, { sharedAxes: [-2], mode }),
    activationLayer(model, options.activation),
    Dense(dModel),
    Dropout(dropout, { sharedAxes: [-2], mode }),
  ]);
  block.mode = mode;
  return chunkSize > 0 ? BatchLeadingAxes(Chunk(block, chunkSize)) : block;
}
