import { LayerNorm } from '../layers/core/index.js';
import { ReversibleHalfResidual } from '../reversible/reversible_half_residual.js';
import { ReversibleSwap } from '../reversible/reversible_select.js';
import { ReversibleSerial, type ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { makeAttention } from './attention_types.js';
import { type BlockOptions, resolveBlockOptions } from './block_options.js';
import { EncDecAttention } from './enc_dec_attention.js';
import { FeedForward } from './feed_forward.js';

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
  const causal = makeAttention(
    model,
    options.attentionType ?? 'full',
    { nHeads: o.nHeads, dQk: o.dQk, dV: o.dV, causal: true, masked: false, attentionDropout: o.attentionDropout, outputDropout: o.dropout, mode: o.mode },
    options,
  );
  const crossAttention = EncDecAttention({
    nHeads: o.nHeads,
    dQk: o.dQk,
    dV: o.dV,
    attentionDropout: o.attentionDropout,
    outputDropout: o.dropout,
    mode: o.mode,
  });
  const feedForward = FeedForward({
    dModel: o.dModel,
    dFf: o.dFf,
    dropout: o.dropout,
    ffDropout: o.ffDropout,
    activation: options.ffActivation,
    chunkSize: o.ffChunkSize,
    mode: o.mode,
  });
  const block = ReversibleSerial(
    ReversibleHalfResidual(LayerNorm(), { attention: causal }),
    ReversibleSwap(),
    ReversibleHalfResidual(LayerNorm(), { attention: crossAttention }),
    ReversibleSwap(),
    ReversibleHalfResidual(feedForward),
    ReversibleSwap(),
    { name: model, reversibleBackward: options.reversibleBackward ?? true },
  );
  block.mode = o.mode;
  return block;
}
