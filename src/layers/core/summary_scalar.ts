/**
 * SummaryScalar: the identity that keeps a scalar summary of what passes through in its state.
 */
import { tf } from '../../backend/tf.js';
import type { Key } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';

/** Options of {@link SummaryScalar}. @public */
export interface SummaryScalarOptions {
  /** Reduces the input to the scalar kept (default: the mean of all its values). */
  aggregation?: (x: Tensor) => Tensor;
}

/**
 * The identity on one stack item that keeps a scalar summary of it, by default its mean, in its state under
 * `summary_<name>`: a value inside a model (an attention entropy, a gate's openness) to read after a step with
 * `layer.state` or from the model's state tree. Trax writes the same state and reports it to TensorBoard; trax-ts
 * keeps it in the state only, and reporting it is the caller's. The state starts as 0 at `init`. Named
 * `Summary_<name>`, as in Trax.
 * @public
 */
export class SummaryScalarLayer extends Layer {
  /** The key of the summary in the layer's state: `summary_<name>`. */
  readonly stateKey: string;
  private readonly aggregation: (x: Tensor) => Tensor;

  constructor(
    /** The metric's name. */
    readonly summaryName: string,
    options: SummaryScalarOptions = {},
  ) {
    if (summaryName.length === 0) throw new RangeError('SummaryScalar: the name must not be empty');
    super({ name: `Summary_${summaryName}` });
    this.stateKey = `summary_${summaryName}`;
    this.aggregation = options.aggregation ?? ((x) => tf.mean(x));
  }

  /** No weights; the state `{ summary_<name>: 0 }`. */
  protected override initWeightsAndState(_signature: ShapeDtype[], _rng: Key): { weights: Weights; state: State } {
    return { weights: {}, state: { [this.stateKey]: tf.scalar(0) } };
  }

  /** The state needs no input, so `init(undefined)` makes it too. */
  protected override initWeightsWithoutInput(rng: Key): { weights: Weights; state: State } {
    return this.initWeightsAndState([], rng);
  }

  /** The input's signature. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    return signature[0]!;
  }

  /** The input unchanged, and the state `{ summary_<name>: aggregation(input) }`. */
  protected forward(inputs: Stack, _weights: Weights, _state: State, _rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    const summary = this.aggregation(x);
    if (summary.size !== 1) {
      const shape = summary.shape.join(',');
      summary.dispose();
      throw new RangeError(`${this.name}: the aggregation must give one value, got shape [${shape}]`);
    }
    return [x, { [this.stateKey]: summary.rank === 0 ? summary : tf.reshape(summary, []) }];
  }
}

/**
 * The identity that keeps the mean of its input (or `options.aggregation` of it) in its state under
 * `summary_<name>` (see {@link SummaryScalarLayer}).
 *
 * @example
 * ```ts
 * const probe = SummaryScalar('activation');
 * probe.call(tf.tensor2d([[3, 5], [2, 6]]));
 * probe.state['summary_activation'];   // 4
 * ```
 * @public
 */
export function SummaryScalar(name: string, options: SummaryScalarOptions = {}): SummaryScalarLayer {
  return new SummaryScalarLayer(name, options);
}
