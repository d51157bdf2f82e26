/**
 * The parts that the reversible Reformer blocks ({@link EncoderBlock}, {@link DecoderBlock},
 * {@link EncoderDecoderBlock}) are wired from: half-residuals that add attention or the feed-forward block to one
 * stream, and the `ReversibleSerial` that alternates them with `ReversibleSwap`s. Each part takes the block's
 * options as given (`options`) and as resolved (`o`, whose `mode` is the one the block runs in).
 */
import type { Layer } from '../core/base.js';
import { LayerNorm } from '../layers/core/index.js';
import { ReversibleHalfResidual, type ReversibleHalfResidualLayer } from '../reversible/reversible_half_residual.js';
import { ReversibleSwap } from '../reversible/reversible_select.js';
import { ReversibleSerial, type ReversibleSerialLayer } from '../reversible/reversible_serial.js';
import { makeAttention } from './attention_types.js';
import type { BlockOptions, ResolvedBlockOptions } from './block_options.js';
import { FeedForward } from './feed_forward.js';

/** `x += attention(LayerNorm(context))`: a half-residual that normalises its context, then attends over it. */
export function attentionHalfResidual(attention: Layer): ReversibleHalfResidualLayer {
  return ReversibleHalfResidual(LayerNorm(), { attentionLayer: attention });
}

/**
 * A half-residual adding the block's self-attention (of `options.attentionType`, default `'full'`), made with the
 * block's head depths and dropout rates; `causal` and `masked` as for {@link AttentionSettings}.
 */
export function selfAttentionHalfResidual(
  model: string,
  options: BlockOptions,
  o: ResolvedBlockOptions,
  kind: { causal: boolean; masked: boolean },
): ReversibleHalfResidualLayer {
  const attention = makeAttention(
    model,
    options.attentionType ?? 'full',
    {
      nHeads: o.nHeads,
      dQk: o.dQk,
      dV: o.dV,
      causal: kind.causal,
      masked: kind.masked,
      attentionDropout: o.attentionDropout,
      outputDropout: o.dropout,
      mode: o.mode,
    },
    options,
  );
  return attentionHalfResidual(attention);
}

/** A half-residual adding the block's {@link FeedForward} (its sizes, dropout rates, activation and chunking). */
export function feedForwardHalfResidual(options: BlockOptions, o: ResolvedBlockOptions): ReversibleHalfResidualLayer {
  const feedForward = FeedForward({
    dModel: o.dModel,
    dFf: o.dFf,
    dropout: o.dropout,
    ffDropout: o.ffDropout,
    activation: options.ffActivation,
    chunkSize: o.ffChunkSize,
    mode: o.mode,
  });
  return ReversibleHalfResidual(feedForward);
}

/**
 * The block itself: each half-residual followed by a `ReversibleSwap`, in one `ReversibleSerial` named `model`,
 * set to mode `o.mode`, with `options.reversibleBackward` (default true).
 */
export function swappingBlock(
  model: string,
  options: BlockOptions,
  o: ResolvedBlockOptions,
  halfResiduals: readonly ReversibleHalfResidualLayer[],
): ReversibleSerialLayer {
  const block = ReversibleSerial(...halfResiduals.flatMap((half) => [half, ReversibleSwap()]), {
    name: model,
    reversibleBackward: options.reversibleBackward ?? true,
  });
  block.mode = o.mode;
  return block;
}
