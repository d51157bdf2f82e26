import type { Initializer } from '../initializers.js';
import { ConvLayer } from './conv.js';

/** Options of {@link CausalConv}. @public */
export interface CausalConvOptions {
  /**
   * Spacing between the kernel's taps (default 1). Trax's `CausalConv` has none (its TODO); with `d`, output
   * position `t` sees inputs `t, t - d, ..., t - (kernelWidth - 1) d`.
   */
  dilation?: number;
  /** Makes the `[kernelWidth, C, filters]` kernel (default as {@link Conv}). */
  kernelInitializer?: Initializer;
  /** Makes the `[filters]` bias (default as {@link Conv}). */
  biasInitializer?: Initializer;
  /** Whether to add the bias (default true). */
  useBias?: boolean;
}

/**
 * A causal convolution over `[B, L, C]` sequences (Trax's `CausalConv`): the input is padded with
 * `(kernelWidth - 1) · dilation` zeros on the left only, so output position `t` depends on inputs up to `t`
 * and never on later ones, and the output keeps the length `L`. For language models. Weights as
 * {@link Conv1d}'s: `{ w: [kernelWidth, C, filters], b: [filters] }`. Named `CausalConv`.
 *
 * @example
 * ```ts
 * CausalConv(30, 3);   // [B, L, C] -> [B, L, 30]
 * ```
 * @public
 */
export class CausalConvLayer extends ConvLayer {
  constructor(
    filters: number,
    /** The kernel's width along the time axis. */
    readonly kernelWidth: number,
    options: CausalConvOptions = {},
  ) {
    const dilation = options.dilation ?? 1;
    if (!Number.isInteger(kernelWidth) || kernelWidth < 1)
      throw new RangeError(`CausalConv: kernelWidth must be a positive integer, got ${kernelWidth}`);
    if (!Number.isInteger(dilation) || dilation < 1)
      throw new RangeError(`CausalConv: dilation must be a positive integer, got ${dilation}`);
    super(
      filters,
      [kernelWidth],
      {
        kernelInitializer: options.kernelInitializer,
        biasInitializer: options.biasInitializer,
        useBias: options.useBias,
        dilations: [dilation],
        padding: [[(kernelWidth - 1) * dilation, 0]],
        dimensionNumbers: ['NWC', 'WIO', 'NWC'],
      },
      'CausalConv',
    );
  }
}

/** A causal convolution with `filters` kernels of width `kernelWidth` (default 3; see {@link CausalConvLayer}). @public */
export function CausalConv(filters: number, kernelWidth = 3, options: CausalConvOptions = {}): CausalConvLayer {
  return new CausalConvLayer(filters, kernelWidth, options);
}
