import { tf } from '../../backend/tf.js';
import { type Key, splitKey } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import { GlorotNormal, type Initializer, RandomNormal } from '../initializers.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { expectFloat, weightOf } from '../core/checks.js';
import {
  convGeneral,
  type ConvLayout,
  convLayout,
  convOutputSize,
  type ConvPadding,
  type DimensionNumbers,
  paddingPairs,
} from './conv_general.js';

/** Options of {@link Conv}. @public */
export interface ConvOptions {
  /** Step of the window along each spatial axis, in the kernel's order (default 1 everywhere). */
  strides?: readonly number[];
  /** `VALID` (default), `SAME`, or one `[lo, hi]` pair per spatial axis, in the kernel's order. */
  padding?: ConvPadding;
  /** Layouts of input, kernel and output (default `['NHWC', 'HWIO', 'NHWC']`). */
  dimensionNumbers?: DimensionNumbers;
  /**
   * Spacing between kernel taps along each spatial axis (default 1: a dense kernel). Not in Trax's `Conv`, which
   * always uses 1; `CausalConv` uses it. Strides and dilations combine.
   */
  dilations?: readonly number[];
  /** Makes the kernel `w` (default: Glorot normal with the fans read from the kernel's `I` and `O` axes, as Trax). */
  kernelInitializer?: Initializer;
  /** Makes the bias `b` (default: normal with standard deviation 1e-6, as Trax). */
  biasInitializer?: Initializer;
  /** Whether to add the bias (default true). */
  useBias?: boolean;
}

function positiveIntegers(values: readonly number[], what: string, n: number): number[] {
  if (values.length !== n || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new RangeError(`Conv: ${what} must be ${n} positive integer(s), got [${values.join(', ')}]`);
  }
  return [...values];
}

/**
 * A general convolution (Trax's `Conv`): `filters` kernels of `kernelSize` slide over the spatial axes of the
 * input, each output feature a weighted sum of the input features in the window, plus a bias. The layouts follow
 * JAX's dimension numbers; the default `NHWC` input `[B, H, W, C]` with kernel `HWIO` `[kh, kw, C, filters]`
 * gives `[B, H', W', filters]`, where `H' = H - kh + 1` with `VALID` padding and `ceil(H / stride)` with `SAME`.
 * An input with more axes than the layout (`[A, B, H, W, C]`) has its leading axes folded into the batch and
 * unfolded after (the input and output layouts must then be equal and start with `N`).
 *
 * Weights `{ w, b }` (no `b` without bias): `w` in the kernel layout, `b` of the output layout's shape with `C` set to
 * `filters`, the other axes 1 and leading 1s dropped (`[filters]` for `NHWC`). One or two spatial axes.
 * @public
 */
export class ConvLayer extends Layer {
  /** The kernel's extent along each spatial axis, in the kernel layout's order of spatial axes. */
  readonly kernelSize: readonly number[];
  /** The window's step along each spatial axis (1 everywhere unless given). */
  readonly strides: readonly number[];
  /** The kernel's dilation along each spatial axis: `d` takes every `d`-th input position (1: none). */
  readonly dilations: readonly number[];
  /** `VALID`, `SAME`, or explicit `[lo, hi]` padding per spatial axis. */
  readonly padding: ConvPadding;
  /** The layouts of input, kernel and output, as JAX's dimension numbers (`['NHWC', 'HWIO', 'NHWC']` by default). */
  readonly dimensionNumbers: DimensionNumbers;
  /** Whether the layer has and adds a bias `b`. */
  readonly useBias: boolean;
  private readonly layout: ConvLayout;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  /**
   * @param filters - the number of kernels, which is the output's feature count
   * @param kernelSize - the kernel's extent along each spatial axis
   * @param options - strides, padding, layouts, dilations, initializers, bias
   * @param name - the layer's name (`Conv`; subclasses pass their own)
   */
  constructor(
    /** The number of kernels: the output's feature count. */
    readonly filters: number,
    kernelSize: readonly number[],
    options: ConvOptions = {},
    name = 'Conv',
  ) {
    super({ name });
    if (!Number.isInteger(filters) || filters < 1) throw new RangeError(`${name}: filters must be a positive integer, got ${filters}`);
    this.dimensionNumbers = options.dimensionNumbers ?? ['NHWC', 'HWIO', 'NHWC'];
    this.layout = convLayout(this.dimensionNumbers);
    const n = this.layout.spatial.length;
    this.kernelSize = positiveIntegers(kernelSize, 'kernelSize', n);
    this.strides = positiveIntegers(options.strides ?? new Array<number>(n).fill(1), 'strides', n);
    this.dilations = positiveIntegers(options.dilations ?? new Array<number>(n).fill(1), 'dilations', n);
    this.padding = options.padding ?? 'VALID';
    this.useBias = options.useBias ?? true;
    const rhs = this.dimensionNumbers[1];
    this.kernelInitializer = options.kernelInitializer ?? GlorotNormal({ outDim: rhs.indexOf('O'), inDim: rhs.indexOf('I') });
    this.biasInitializer = options.biasInitializer ?? RandomNormal(1e-6);
  }

  /** The input's shape with leading axes folded into the batch, checked against the layout. */
  private foldedShape(s: ShapeDtype): number[] {
    expectFloat(s, this.name);
    const [lhs, , out] = this.dimensionNumbers;
    const rank = lhs.length;
    if (s.shape.length < rank)
      throw new RangeError(`${this.name}: expected an input of rank ${rank} (${lhs}), got shape [${s.shape.join(',')}]`);
    if (s.shape.length === rank) return [...s.shape];
    if (lhs !== out || lhs[0] !== 'N') {
      throw new Error(
        `${this.name}: inputs of rank above ${rank} need equal input and output layouts starting with N, got ${lhs} and ${out}`,
      );
    }
    const lead = s.shape.slice(0, s.shape.length - rank + 1).reduce((a, b) => a * b, 1);
    return [lead, ...s.shape.slice(s.shape.length - rank + 1)];
  }

  private kernelShape(inputShape: readonly number[]): number[] {
    const [lhs, rhs] = this.dimensionNumbers;
    const inFeatures = inputShape[lhs.indexOf('C')]!;
    return [...rhs].map((c) => (c === 'O' ? this.filters : c === 'I' ? inFeatures : this.kernelSize[this.layout.spatial.indexOf(c)]!));
  }

  private biasShape(): number[] {
    const shape = [...this.dimensionNumbers[2]].map((c) => (c === 'C' ? this.filters : 1));
    return shape.slice(shape.findIndex((d) => d !== 1));
  }

  /** Draws the kernel `w` (in the kernel layout, its `I` axis the input's features) and the bias `b`. */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const shape = this.foldedShape(signature[0]!);
    this.outputShape(shape);
    const [kernelKey, biasKey] = splitKey(rng, 2);
    const w = this.kernelInitializer(kernelKey!, this.kernelShape(shape));
    if (!this.useBias) return { weights: { w }, state: {} };
    return { weights: { w, b: this.biasInitializer(biasKey!, this.biasShape()) }, state: {} };
  }

  /** The output shape for a (folded) input shape. */
  private outputShape(shape: readonly number[]): number[] {
    const [lhs, , out] = this.dimensionNumbers;
    const inSizes = this.layout.spatial.map((c) => shape[lhs.indexOf(c)]!);
    const pads = paddingPairs(this.padding, inSizes, this.kernelSize, this.strides, this.dilations);
    const outSizes = inSizes.map((n, i) => convOutputSize(n, pads[i]!, this.kernelSize[i]!, this.strides[i]!, this.dilations[i]!));
    return [...out].map((c) =>
      c === 'N' ? shape[lhs.indexOf('N')]! : c === 'C' ? this.filters : outSizes[this.layout.spatial.indexOf(c)]!,
    );
  }

  /** The output's shape (spatial sizes after padding, dilation and strides; `filters` features), as float32. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const s = signature[0]!;
    const folded = this.foldedShape(s);
    const outShape = this.outputShape(folded);
    if (folded.length === s.shape.length) return { shape: outShape, dtype: 'float32' };
    const lead = s.shape.slice(0, s.shape.length - folded.length + 1);
    return { shape: [...lead, ...outShape.slice(1)], dtype: 'float32' };
  }

  /** The convolution of the input with `w`, plus `b`; leading axes beyond the layout folded into the batch and back. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    const folded = this.foldedShape(x);
    const w = weightOf(weights, 'w', this.name);
    const xf = folded.length === x.rank ? x : tf.reshape(x, folded);
    let y = convGeneral(xf, w, this.layout, { strides: this.strides, padding: this.padding, dilations: this.dilations });
    if (this.useBias) y = tf.add(y, weightOf(weights, 'b', this.name));
    if (folded.length !== x.rank) y = tf.reshape(y, [...x.shape.slice(0, x.rank - folded.length + 1), ...y.shape.slice(1)]);
    return [y, state];
  }
}

/**
 * A convolution with `filters` kernels of `kernelSize` (see {@link ConvLayer}).
 *
 * @example
 * ```ts
 * const conv = Conv(30, [3, 3]);        // [B, H, W, C] -> [B, H-2, W-2, 30]
 * conv.init(shapeDtype([9, 5, 5, 20]));
 * const same = Conv(8, [3, 3], { padding: 'SAME', strides: [2, 2] });   // [B, 5, 5, C] -> [B, 3, 3, 8]
 * ```
 * @public
 */
export function Conv(filters: number, kernelSize: readonly number[], options: ConvOptions = {}): ConvLayer {
  return new ConvLayer(filters, kernelSize, options);
}

/** Options of {@link Conv1d}. @public */
export interface Conv1dOptions {
  /** Step of the window (default 1). */
  stride?: number;
  /**
   * Spacing between the kernel's taps (default 1: a dense kernel). With `d`, output position `t` of a `VALID`
   * convolution sees inputs `t, t + d, ..., t + (kernelSize - 1) d`; `SAME` padding then centres that reach, so
   * `[B, L, C]` gives `[B, L, filters]` at stride 1 (what a dilated CNN such as an ID-CNN stacks).
   */
  dilation?: number;
  /** `VALID` (default), `SAME`, or one `[lo, hi]` pair. */
  padding?: ConvPadding;
  /** Makes the `[kernelSize, C, filters]` kernel (default as {@link Conv}). */
  kernelInitializer?: Initializer;
  /** Makes the `[filters]` bias (default as {@link Conv}). */
  biasInitializer?: Initializer;
  /** Whether to add the bias (default true). */
  useBias?: boolean;
}

/**
 * A convolution along the length of `[B, L, C]` sequences (Trax's `Conv1d`): a {@link ConvLayer} with layouts
 * `NWC`, `WIO`, `NWC`, kernel `[kernelSize, C, filters]`.
 *
 * @example
 * ```ts
 * Conv1d(16, 3);   // [B, L, C] -> [B, L - 2, 16]
 * Conv1d(16, 3, { dilation: 4, padding: 'SAME' });   // [B, L, C] -> [B, L, 16], taps at t - 4, t, t + 4
 * ```
 * @public
 */
export function Conv1d(filters: number, kernelSize: number, options: Conv1dOptions = {}): ConvLayer {
  const { stride = 1, dilation = 1, ...rest } = options;
  if (!Number.isInteger(dilation) || dilation < 1) throw new RangeError(`Conv1d: dilation must be a positive integer, got ${dilation}`);
  return new ConvLayer(filters, [kernelSize], {
    ...rest,
    strides: [stride],
    dilations: [dilation],
    dimensionNumbers: ['NWC', 'WIO', 'NWC'],
  });
}
