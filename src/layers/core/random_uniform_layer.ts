/**
 * RandomUniformLayer: fresh uniform noise as a layer that takes no input (Trax's `RandomUniform` layer).
 */
import type { Key } from '../../rng/key.js';
import { uniform } from '../../rng/random.js';
import { Layer } from '../../core/base.js';
import type { ShapeDtype, Signature, Stack, State, Weights } from '../../core/types.js';

/** Options of {@link RandomUniformLayer}. @public */
export interface RandomUniformLayerOptions {
  /** The lower end of the distribution (default 0), included. */
  minVal?: number;
  /** The upper end of the distribution (default 1), excluded. */
  maxVal?: number;
  /** The shape of the tensor it gives (default `[]`, a scalar); the values are drawn independently. */
  shape?: readonly number[];
}

/**
 * A layer that takes nothing off the stack (`nIn` 0) and pushes a float32 tensor of `shape` with values uniform
 * in `[minVal, maxVal)`, drawn from the key it runs with: the same key gives the same values, another key others.
 * It has no weights. Trax's layer `RandomUniform`; in trax-ts that name is the initializer, hence
 * `RandomUniformLayer`. Trax's `dtype` (only float32 here) and `sync` (across devices) options are not provided.
 *
 * @example
 * ```ts
 * const noise = new RandomUniformLayer({ minVal: -1, maxVal: 1, shape: [4] });
 * noise.init([]);
 * noise.call([], { rng: makeKey(7) });  // four values in [-1, 1)
 * ```
 * @public
 */
export class RandomUniformLayer extends Layer {
  /** The lower end of the distribution, included. */
  readonly minVal: number;
  /** The upper end of the distribution, excluded. */
  readonly maxVal: number;
  /** The shape of the tensor it gives. */
  readonly shape: readonly number[];

  constructor(options: RandomUniformLayerOptions = {}) {
    const { minVal = 0, maxVal = 1, shape = [] } = options;
    if (!Number.isFinite(minVal) || !Number.isFinite(maxVal) || !(minVal < maxVal)) {
      throw new RangeError(`RandomUniform: minVal must be below maxVal (both finite), got ${minVal} and ${maxVal}`);
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`RandomUniform: the shape must be a list of non-negative integers, got [${shape.join(',')}]`);
    }
    super({ name: 'RandomUniform', nIn: 0, nOut: 1 });
    this.minVal = minVal;
    this.maxVal = maxVal;
    this.shape = [...shape];
  }

  /** `shape`, float32. */
  protected override outputSignature(_signature: ShapeDtype[]): Signature {
    return { shape: [...this.shape], dtype: 'float32' };
  }

  /** Values uniform in `[minVal, maxVal)` drawn from `rng`. */
  protected forward(_inputs: Stack, _weights: Weights, state: State, rng: Key): [Stack, State] {
    return [uniform(rng, this.shape, this.minVal, this.maxVal), state];
  }
}
