import { LayerNorm } from '../layers/core/index.js';
import { ReversibleHalfResidual } from '../reversible/reversible_half_residual.js';
import { ReversibleSwap } from '../reversible/reversible_select.js';
import { ReversibleSerial, type ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { makeAttention } from './attention_types.js';
import { type BlockOptions, resolveBlockOptions } from './block_options.js';
import { FeedForward } from './feed_forward.js';

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
  const attention = makeAttention(
    model,
    options.attentionType ?? 'full',
    { nHeads: o.nHeads, dQk: o.dQk, dV: o.dV, causal: true, masked: false, attentionDropout: o.attentionDropout, outputDropout: o.dropout, mode: o.mode },
    options,
  );
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
    ReversibleHalfResidual(LayerNorm(), { attention }),
    ReversibleSwap(),
    ReversibleHalfResidual(feedForward),
    ReversibleSwap(),
    { name: model, reversibleBackward: options.reversibleBackward ?? true },
  );
  block.mode = o.mode;
  return block;
}
