import { tf } from '../backend/tf.js';
import type { ShapeDtype, Tensor } from '../core/types.js';
import { constantFunctionOf } from './untaped.js';

/**
 * The padding-mask convention of the attention layers.
 *
 * A padding mask marks real tokens: non-zero (or `true`) = a real token, zero = padding. Any dtype (bool, int32,
 * float32). Two shapes are accepted, which are the same mask:
 *
 * - `[B, L]`: one flag per token (what Trax's Reformer encoder passes to its efficient attention, and what a
 *   tokenizer naturally produces);
 * - `[B, 1, 1, L]`: what `PaddingMask()` gives (Trax's layout, broadcasting over heads and query positions).
 *
 * Padded positions never receive attention: no query, real or padded, gives them weight. Outputs at padded
 * positions are computed but meaningless; losses should weight them by 0.
 */

/** Checks a padding mask's signature against inputs `[batch, length, ...]`; returns a description of the problem or null. */
export function paddingMaskProblem(mask: ShapeDtype, batch: number, length: number): string | null {
  const s = mask.shape;
  const ok =
    (s.length === 2 && s[0] === batch && s[1] === length) ||
    (s.length === 4 && s[0] === batch && s[1] === 1 && s[2] === 1 && s[3] === length);
  if (ok) return null;
  return `the padding mask must have shape [${batch}, ${length}] or [${batch}, 1, 1, ${length}] (1 = real token), got [${s.join(', ')}]`;
}

/**
 * A padding mask (either accepted shape, any dtype) as float32 `[B, L]`: 1 for real tokens, 0 for padding.
 * Gradients treat it as a constant (a float mask receives a zero gradient).
 */
export function paddingMaskRows(mask: Tensor, batch: number, length: number): Tensor {
  return constantFunctionOf(mask, (m) => tf.cast(tf.notEqual(m, 0), 'float32').reshape([batch, length]));
}
