import type { ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { feedForwardHalfResidual, selfAttentionHalfResidual, swappingBlock } from './block_parts.js';
import { type BlockOptions, resolveBlockOptions } from './block_options.js';

/**
 * A reversible Reformer encoder block (Trax's `reformer.EncoderBlock`), on the stack `x1, x2, mask`:
 *
 * ```
 * ReversibleHalfResidual(LayerNorm, attention: masked, bidirectional)   x1 += Attention(LayerNorm(x2), mask)
 * ReversibleSwap
 * ReversibleHalfResidual(FeedForward)                                   x2 += FeedForward(x1)
 * ReversibleSwap
 * ```
 *
 * The mask (see the attention layers' padding-mask convention) rides along unchanged. In mode `predict` the block
 * runs as in `eval` (an encoder never decodes step by step). Named `EncoderBlock`; a 3 -> 3 layer.
 * @public
 */
export function EncoderBlock(options: BlockOptions): ReversibleSerialLayer {
  const model = 'EncoderBlock';
  const resolved = resolveBlockOptions(model, options);
  const o = { ...resolved, mode: resolved.mode === 'predict' ? 'eval' : resolved.mode };
  return swappingBlock(model, options, o, [
    selfAttentionHalfResidual(model, options, o, { causal: false, masked: true }),
    feedForwardHalfResidual(options, o),
  ]);
}
