import { LayerNorm } from '../layers/core/index.js';
import { ReversibleHalfResidual } from '../reversible/reversible_half_residual.js';
import { ReversibleSwap } from '../reversible/reversible_select.js';
import { ReversibleSerial, type ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { makeAttention } from './attention_types.js';
import { type BlockOptions, resolveBlockOptions } from './block_options.js';
import { FeedForward } from './feed_forward.js';

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
  const o = resolveBlockOptions(model, options);
  const mode = o.mode === 'predict' ? 'eval' : o.mode;
  const attention = makeAttention(
    model,
    options.attentionType ?? 'full',
    { nHeads: o.nHeads, dQk: o.dQk, dV: o.dV, causal: false, masked: true, attentionDropout: o.attentionDropout, outputDropout: o.dropout, mode },
    options,
  );
  const feedForward = FeedForward({
    dModel: o.dModel,
    dFf: o.dFf,
    dropout: o.dropout,
    ffDropout: o.ffDropout,
    activation: options.ffActivation,
    chunkSize: o.ffChunkSize,
    mode,
  });
  const block = ReversibleSerial(
    ReversibleHalfResidual(LayerNorm(), { attention }),
    ReversibleSwap(),
    ReversibleHalfResidual(feedForward),
    ReversibleSwap(),
    { name: model, reversibleBackward: options.reversibleBackward ?? true },
  );
  block.mode = mode;
  return block;
}
