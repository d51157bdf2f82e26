import { tf } from '../../backend/tf.js';
import { type Key, splitKey } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import { GlorotUniform, type Initializer, RandomNormal } from '../initializers.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { expectFloat, expectRankAtLeast, weightOf } from './checks.js';
import { linearMap } from './linear_map.js';

/** Options of {@link Dense}. @public */
export interface DenseOptions {
  /** Makes the `[dIn, nUnits]` kernel `w` (default: Glorot uniform). */
  kernelInitializer?: Initializer;
  /** Makes the `[nUnits]` bias `b` (default: normal with standard deviation 1e-6, as Trax). */
  biasInitializer?: Initializer;
  /** Whether to add the bias: an affine map `x·w + b` (default) or a linear map `x·w`. */
  useBias?: boolean;
}

/**
 * A dense (fully connected, affine) layer: each of its `nUnits` outputs is a weighted sum of all the input's
 * features plus a bias, `y = x·w + b`. It maps the last axis of its input, of size `dIn` (fixed at `init`), to
 * `nUnits`; all other axes are kept, so `[B, L, dIn]` becomes `[B, L, nUnits]`. Named `Dense_<nUnits>`, with
 * weights `{ w: [dIn, nUnits], b: [nUnits] }` (no `b` when `useBias` is false).
 * @public
 */
export class DenseLayer extends Layer {
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  /** Whether the layer adds a bias `b` (`[nUnits]`) after the matrix product. */
  readonly useBias: boolean;

  constructor(
    /** The width of the output's last axis. */
    readonly nUnits: number,
    options: DenseOptions = {},
  ) {
    if (!Number.isInteger(nUnits) || nUnits < 1) throw new RangeError(`Dense: nUnits must be a positive integer, got ${nUnits}`);
    super({ name: `Dense_${nUnits}` });
    this.kernelInitializer = options.kernelInitializer ?? GlorotUniform();
    this.biasInitializer = options.biasInitializer ?? RandomNormal(1e-6);
    this.useBias = options.useBias ?? true;
  }

  /** The kernel `w` (`[dIn, nUnits]`) and, with `useBias`, the bias `b`, drawn by their initializers. */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const x = signature[0]!;
    expectFloat(x, this.name);
    expectRankAtLeast(x, 1, this.name);
    const dIn = x.shape[x.shape.length - 1]!;
    const [kernelKey, biasKey] = splitKey(rng, 2);
    const w = this.kernelInitializer(kernelKey!, [dIn, this.nUnits]);
    if (!this.useBias) return { weights: { w }, state: {} };
    return { weights: { w, b: this.biasInitializer(biasKey!, [this.nUnits]) }, state: {} };
  }

  /** `[..., nUnits]` float32 for a float input `[..., dIn]`. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const x = signature[0]!;
    expectFloat(x, this.name);
    expectRankAtLeast(x, 1, this.name);
    return { shape: [...x.shape.slice(0, -1), this.nUnits], dtype: 'float32' };
  }

  /** `x · w + b` over the last axis. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    expectFloat(x, this.name);
    const w = weightOf(weights, 'w', this.name);
    const y = linearMap(x, w);
    return [this.useBias ? tf.add(y, weightOf(weights, 'b', this.name)) : y, state];
  }
}

/**
 * A dense layer of width `nUnits` (see {@link DenseLayer}).
 *
 * @example
 * ```ts
 * const layer = Dense(128);            // Dense_128: [..., d] -> [..., 128]
 * layer.init(shapeDtype([8, 20, 64]));
 * ```
 * @public
 */
export function Dense(nUnits: number, options: DenseOptions = {}): DenseLayer {
  return new DenseLayer(nUnits, options);
}
