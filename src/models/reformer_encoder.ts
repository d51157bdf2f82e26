import { Dup, Select } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import { LayerNorm } from '../layers/core/index.js';
import { Fn } from '../core/fn.js';
import type { ShapeDtype } from '../core/types.js';
import { ReversibleSerial } from '../reversible/reversible_serial.js';
import { EncoderBlock } from './encoder_block.js';
import { type EncoderConfig, encoderFront, resolveEncoderConfig } from './encoder_config.js';

/** `x1, x2 -> (x1 + x2) / 2`: how Trax's Reformer encoder merges the two reversible streams. @public */
export function XYAvg() {
  return Fn('XYAvg', (x, y) => x.add(y).div(2), 1, { outputSignature: (s: ShapeDtype) => s });
}

/**
 * A Reformer encoder: bidirectional, padding-masked, reversible (Trax's Reformer encoder half, usable alone, as
 * a sequence tagger needs). Blocks are {@link EncoderBlock}s, whose attention type comes from `attentionType` (a
 * list alternates over the layers).
 *
 * How the mask flows:
 * - With `vocabSize` the encoder is `ids -> y` (int32 `[B, L]` to float32 `[B, L, dModel]`): the padding mask is
 *   made from the ids (`PaddingMask(padId)`, bool `[B, 1, 1, L]`) before they are embedded.
 * - Without, it is `x, source -> y`, where `x` is embedded `[B, L, dModel]` and `source` is either the token ids
 *   (int32 `[B, L]`; the mask is `ids != padId`) or a mask (bool/float, `[B, L]` or `[B, 1, 1, L]`, non-zero =
 *   real token). So a tagger that embeds its own tokens is
 *   `Serial(Dup(), Embedding(V, dModel), ReformerEncoder({...}), Dense(nTags), LogSoftmax())`, taking token ids:
 *   `Dup` keeps a copy of the ids under the embeddings, from which the encoder makes the mask
 *   (`Serial(Embedding, ReformerEncoder, Dense, LogSoftmax)` alone takes `ids, ids` or `ids, mask`).
 *
 * Inside, the mask rides under the two activation streams (`x1, x2, mask`) through every block, where each
 * attention layer takes it so that no position attends to padding; after the blocks the streams are averaged,
 * normalised, and the mask is dropped. Outputs at padded positions are computed but meaningless: weight them 0 in
 * the loss.
 *
 * Layers: mask and embedding, `Dropout`, `PositionalEncoding`, `Dup`, `ReversibleSerial(EncoderBlock × nLayers)`,
 * `XYAvg`, `LayerNorm`, `Select([0])`. With `reversible: false` the same layers and weights train with tfjs's
 * ordinary backward pass. Named `ReformerEncoder`.
 * @public
 */
export function ReformerEncoder(config: EncoderConfig): SerialLayer {
  const model = 'ReformerEncoder';
  const c = resolveEncoderConfig(model, config);
  const blocks = c.attentionTypes.map((attentionType) => EncoderBlock({ ...c.block, attentionType }));
  const encoder = namedSerial(model, [
    ...encoderFront(c, c.block.dModel),
    Dup(),
    ReversibleSerial(...blocks, { reversibleBackward: c.reversible }),
    XYAvg(),
    LayerNorm(),
    Select([0], 2),
  ]);
  encoder.mode = c.mode;
  return encoder;
}
