/**
 * WeightsLayer: a learnt tensor as a layer that takes no input (Trax's `Weights`).
 */
import type { Key } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import type { Initializer } from '../initializers.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { weightOf } from './checks.js';

function checkShape(shape: readonly number[], who: string): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${who}: the shape must be a list of non-negative integers, got [${shape.join(',')}]`);
  }
}

/**
 * A learnable tensor of a fixed `shape` as a layer: it takes nothing off the stack (`nIn` 0) and pushes its one
 * weight `w`, drawn at `init` by `initializer`, so training updates it like any other weight (a learnt query, a
 * learnt start state). Trax calls it `Weights`; in trax-ts that name is the type of a weight tree, hence
 * `WeightsLayer`. Named `Weights_<d0>x<d1>...` (`Weights_scalar` for the default shape `[]`).
 *
 * @example
 * ```ts
 * const bias = new WeightsLayer(Zeros(), [2, 2]);
 * bias.init([]);                       // no inputs
 * bias.call([]);                       // the [2, 2] weight w
 * ```
 * @public
 */
export class WeightsLayer extends Layer {
  /** The weight's shape. */
  readonly shape: readonly number[];

  constructor(
    /** Makes the weight `w` from the layer's key and `shape`. */
    private readonly initializer: Initializer,
    shape: readonly number[] = [],
  ) {
    checkShape(shape, 'Weights');
    super({ name: shape.length === 0 ? 'Weights_scalar' : `Weights_${shape.join('x')}`, nIn: 0, nOut: 1 });
    this.shape = [...shape];
  }

  private makeWeights(rng: Key): { weights: Weights; state: State } {
    const w = this.initializer(rng, [...this.shape]);
    if (w.shape.length !== this.shape.length || w.shape.some((d, i) => d !== this.shape[i])) {
      const got = w.shape.join(',');
      w.dispose();
      throw new RangeError(`${this.name}: the initializer gave a tensor of shape [${got}], not [${this.shape.join(',')}]`);
    }
    return { weights: { w }, state: {} };
  }

  /** The weight `w`, of shape `shape`, from the initializer. */
  protected override initWeightsAndState(_signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    return this.makeWeights(rng);
  }

  /** The weight needs no input, so `init(undefined)` makes it too. */
  protected override initWeightsWithoutInput(rng: Key): { weights: Weights; state: State } {
    return this.makeWeights(rng);
  }

  /** `shape`, with the weight's dtype. */
  protected override outputSignature(_signature: ShapeDtype[], weights: Weights): Signature {
    return { shape: [...this.shape], dtype: weightOf(weights, 'w', this.name).dtype };
  }

  /** The weight `w` itself. */
  protected forward(_inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const w: Tensor = weightOf(weights, 'w', this.name);
    return [w, state];
  }
}
