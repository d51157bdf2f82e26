import type { ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { attentionHalfResidual, feedForwardHalfResidual, selfAttentionHalfResidual, swappingBlock } from './block_parts.js';
import { type BlockOptions, resolveBlockOptions } from './block_options.js';
import { EncDecAttention } from './enc_dec_attention.js';

/**
 * A reversible decoder block with encoder-decoder attention (Trax's `reformer.EncoderDecoderBlock`), on the stack
 * `x1, x2, enc, mask` (decoder halves, encoder activations, encoder padding mask):
 *
 * ```
 * ReversibleHalfResidual(LayerNorm, attention: causal)           x1 += CausalAttention(LayerNorm(x2))
 * ReversibleSwap
 * ReversibleHalfResidual(LayerNorm, attention: EncDecAttention)  x2 += EncDecAttention(LayerNorm(x1), enc, mask)
 * ReversibleSwap
 * ReversibleHalfResidual(FeedForward)                            x1 += FeedForward(x2)
 * ReversibleSwap
 * ```
 *
 * Named `EncoderDecoderBlock`; a 4 -> 4 layer. The encoder activations get gradients through every block.
 * @public
 */
export function EncoderDecoderBlock(options: BlockOptions): ReversibleSerialLayer {
  const model = 'EncoderDecoderBlock';
  const o = resolveBlockOptions(model, options);
  return swappingBlock(model, options, o, [
    selfAttentionHalfResidual(model, options, o, { causal: true, masked: false }),
    attentionHalfResidual(
      EncDecAttention({
        nHeads: o.nHeads,
        dQk: o.dQk,
        dV: o.dV,
        attentionDropout: o.attentionDropout,
        outputDropout: o.dropout,
        mode: o.mode,
      }),
    ),
    feedForwardHalfResidual(options, o),
  ]);
}
