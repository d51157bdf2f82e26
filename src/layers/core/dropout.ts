import { tf } from '../../backend/tf.js';
import type { Key } from '../../rng/key.js';
import { bernoulli } from '../../rng/random.js';
import { Layer } from '../../core/base.js';
import type { Mode, ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { normalizeAxis } from './checks.js';

/** Options of {@link Dropout}. @public */
export interface DropoutOptions {
  /**
   * Axes on which the mask is shared: it has size 1 there and is broadcast, so whole rows or columns are kept or
   * dropped together (less randomness, a smaller mask). Negative axes count from the end.
   */
  sharedAxes?: readonly number[];
  /** The initial mode (default `train`); setting `mode` on the layer or an enclosing model changes it. */
  mode?: Mode;
}

/**
 * Dropout: in training, each input value is zeroed with probability `rate` and the survivors are multiplied by
 * `1 / (1 - rate)`, so that the expected value is unchanged. The mask is drawn from the layer's random key (the
 * key a model hands it at each step), so the same key gives the same mask on every backend. Outside mode `train`
 * (and for `rate` 0) it is the identity.
 *
 * Options: `sharedAxes` broadcast the mask along those axes; `mode` sets the initial mode.
 * @public
 */
export class DropoutLayer extends Layer {
  /** Axes along which the mask is broadcast, so that every entry along them is kept or dropped together. */
  readonly sharedAxes: readonly number[];

  constructor(
    /** The probability that an entry is dropped in mode `train`, in [0, 1). */
    readonly rate: number,
    options: DropoutOptions = {},
  ) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`Dropout: rate must be in [0, 1), got ${rate}`);
    super({ name: 'Dropout' });
    this.sharedAxes = [...(options.sharedAxes ?? [])];
    if (options.mode !== undefined) this.mode = options.mode;
  }

  /** The input's signature: dropout keeps the shape and dtype. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    return signature[0]!;
  }

  /**
   * In mode `train`, zeroes entries with probability `rate` and scales the rest by `1 / (1 - rate)`; otherwise the
   * input unchanged.
   */
  protected forward(inputs: Stack, _weights: Weights, state: State, rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    if (this.mode !== 'train' || this.rate === 0) return [x, state];
    const maskShape = [...x.shape];
    for (const axis of this.sharedAxes) maskShape[normalizeAxis(axis, x.rank, this.name)] = 1;
    const keepProb = 1 - this.rate;
    const keep = bernoulli(rng, keepProb, maskShape);
    const scaledMask = tf.div(keep, keepProb);
    keep.dispose();
    return [tf.mul(x, scaledMask), state];
  }
}

/**
 * Dropout at `rate` (see {@link DropoutLayer}).
 *
 * @example
 * ```ts
 * const drop = Dropout(0.1, { sharedAxes: [1] });  // one mask per sequence, shared over positions
 * ```
 * @public
 */
export function Dropout(rate: number, options: DropoutOptions = {}): DropoutLayer {
  return new DropoutLayer(rate, options);
}
