import { tf } from '../../backend/tf.js';
import type { Key } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import type { Mode, ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { expectRankAtLeast } from './checks.js';

/** Options of {@link ShiftRight}. @public */
export interface ShiftRightOptions {
  /** The initial mode (default `train`); setting `mode` on the layer or an enclosing model changes it. */
  mode?: Mode;
}

/**
 * Shifts sequences right along axis 1 by `nPositions`, filling the freed first positions with zeros and dropping
 * the last ones, so that `[B, L, ...]` keeps its shape: `[[1, 2, 3]]` becomes `[[0, 1, 2]]`. A decoder uses it to
 * see only earlier targets (teacher forcing). In mode `predict` it is the identity, as in Trax, because a decoder
 * then feeds one position at a time. Named `ShiftRight(<n>)`, as in Trax.
 * @public
 */
export class ShiftRightLayer extends Layer {
  constructor(
    /** How many positions axis 1 is shifted by. */
    readonly nPositions: number,
    options: ShiftRightOptions = {},
  ) {
    if (!Number.isInteger(nPositions) || nPositions < 0)
      throw new RangeError(`ShiftRight: nPositions must be a non-negative integer, got ${nPositions}`);
    super({ name: `ShiftRight(${nPositions})` });
    if (options.mode !== undefined) this.mode = options.mode;
  }

  /** The input's signature (rank >= 2). */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    expectRankAtLeast(signature[0]!, 2, this.name);
    return signature[0]!;
  }

  /**
   * The input shifted right by `nPositions` on axis 1, zeros in front, the last positions dropped; unchanged in mode
   * `predict`.
   */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    expectRankAtLeast(x, 2, this.name);
    if (this.mode === 'predict' || this.nPositions === 0) return [x, state];
    const length = x.shape[1]!;
    const n = Math.min(this.nPositions, length);
    const size = [...x.shape];
    size[1] = length - n;
    const kept = tf.slice(
      x,
      x.shape.map(() => 0),
      size,
    );
    const paddings = x.shape.map((_, i): [number, number] => (i === 1 ? [n, 0] : [0, 0]));
    return [tf.pad(kept, paddings), state];
  }
}

/**
 * Shifts right by `nPositions` (default 1) on axis 1, padding with zeros (see {@link ShiftRightLayer}).
 * @public
 */
export function ShiftRight(nPositions = 1, mode?: Mode): ShiftRightLayer {
  return new ShiftRightLayer(nPositions, mode === undefined ? {} : { mode });
}
