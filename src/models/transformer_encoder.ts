import { Residual } from '../combinators/residual.js';
import { Select } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import { LayerNorm } from '../layers/core/index.js';
import { makeAttention } from './attention_types.js';
import { resolveBlockOptions } from './block_options.js';
import { type EncoderConfig, encoderFront, resolveEncoderConfig } from './encoder_config.js';
import { FeedForward } from './feed_forward.js';

/**
 * A plain pre-LayerNorm Transformer encoder with one residual stream and the ordinary backward pass, for
 * comparison with {@link ReformerEncoder}: the same configuration, inputs, mask flow and outputs. Each layer is
 * `Residual(LayerNorm, attention)` (masked, on `x, mask`) and `Residual(FeedForward)`, then a final `LayerNorm`
 * and `Select([0])`. Named `TransformerEncoder`.
 * @public
 */
export function TransformerEncoder(config: EncoderConfig): SerialLayer {
  const model = 'TransformerEncoder';
  if (config && 'reversible' in config && config.reversible)
    throw new Error(`${model}: a TransformerEncoder is not reversible; use ReformerEncoder`);
  const c = resolveEncoderConfig(model, { ...config, reversible: false });
  const o = resolveBlockOptions(model, c.block);
  const mode = o.mode === 'predict' ? 'eval' : o.mode;
  const layers = c.attentionTypes.flatMap((attentionType) => [
    Residual(
      LayerNorm(),
      makeAttention(
        model,
        attentionType,
        {
          nHeads: o.nHeads,
          dQk: o.dQk,
          dV: o.dV,
          causal: false,
          masked: true,
          attentionDropout: o.attentionDropout,
          outputDropout: o.dropout,
          mode,
        },
        c.block,
      ),
    ),
    Residual(
      FeedForward({
        dModel: o.dModel,
        dFf: o.dFf,
        dropout: o.dropout,
        ffDropout: o.ffDropout,
        activation: c.block.ffActivation,
        chunkSize: o.ffChunkSize,
        mode,
      }),
    ),
  ]);
  const encoder = namedSerial(model, [...encoderFront(c, o.dModel), ...layers, LayerNorm(), Select([0], 2)]);
  encoder.mode = c.mode;
  return encoder;
}
