import type { ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { feedForwardHalfResidual, selfAttentionHalfResidual, swappingBlock } from './block_parts.js';
import { type BlockOptions, resolveBlockOptions } from './block_options.js';

/**
 * A reversible Reformer decoder block (Trax's `reformer.DecoderBlock`), on the stack `x1, x2`:
 *
 * ```
 * ReversibleHalfResidual(LayerNorm, attention: causal)   x1 += CausalAttention(LayerNorm(x2))
 * ReversibleSwap
 * ReversibleHalfResidual(FeedForward)                    x2 += FeedForward(x1)
 * ReversibleSwap
 * ```
 *
 * Named `DecoderBlock`; a 2 -> 2 layer.
 * @public
 */
export function DecoderBlock(options: BlockOptions): ReversibleSerialLayer {
  const model = 'DecoderBlock';
  const o = resolveBlockOptions(model, options);
  return swappingBlock(model, options, o, [
    selfAttentionHalfResidual(model, options, o, { causal: true, masked: false }),
    feedForwardHalfResidual(options, o),
  ]);
}
