/**
 * LocallyConnected1d: a 1-D convolution-like layer with separate weights at every position.
 */
import { tf } from '../../backend/tf.js';
import { type Key, splitKey } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import { GlorotUniform, type Initializer, RandomNormal, Scaled } from '../initializers.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { expectFloat, expectRankAtLeast, weightOf } from './checks.js';

/** How {@link LocallyConnected1d} treats the ends of the sequence. @public */
export type LocallyConnectedPadding = 'VALID' | 'SAME' | 'WRAP';

/** Options of {@link LocallyConnected1d}. @public */
export interface LocallyConnected1dOptions {
  /**
   * Makes the `[L, kernelSize, D, filters]` kernel `w` (default: Glorot uniform over each position's
   * `[kernelSize, D, filters]` kernel, as Trax's Glorot initializer with the position axis non-receptive).
   */
  kernelInitializer?: Initializer;
  /** Makes the `[L', filters]` bias `b` (default: normal with standard deviation 1e-6, as Trax). */
  biasInitializer?: Initializer;
  /** Whether to add the bias (default true). */
  useBias?: boolean;
  /**
   * `VALID` (default): only windows inside the sequence, `L - kernelSize + 1` outputs; `SAME`: `L` outputs, zeros
   * beyond the ends; `WRAP`: `L` outputs, the sequence read as a ring.
   */
  padding?: LocallyConnectedPadding;
}

/**
 * A locally connected layer over the second-to-last axis: like a 1-D convolution with stride 1 and window
 * `kernelSize` (odd), but every position has its own weights instead of one shared filter bank, so the length `L`
 * is fixed at `init`. It maps `[..., L, D]` to `[..., L', filters]` (`L' = L` for `SAME` and `WRAP`,
 * `L - kernelSize + 1` for `VALID`), with weights `{ w: [L, kernelSize, D, filters], b: [L', filters] }` (no `b`
 * without `useBias`). As in Trax, `w[p, k]` is the weight of input position `p` in window slot `k`: with
 * `SAME`/`WRAP`, output `o` reads `x[o - c + k]` through `w[o - c + k, k]` (`c = (kernelSize - 1) / 2`); with
 * `VALID`, output `o` reads `x[o + kernelSize - 1 - k]` through `w[o + kernelSize - 1 - k, k]`. Named
 * `LocallyConnected1d_<filters>_<kernelSize>`.
 * @public
 */
export class LocallyConnected1dLayer extends Layer {
  private readonly kernelInitializer: Initializer | undefined;
  private readonly biasInitializer: Initializer;
  /** Whether the layer adds a bias. */
  readonly useBias: boolean;
  /** How the ends of the sequence are treated. */
  readonly padding: LocallyConnectedPadding;

  constructor(
    /** The width of the output's last axis. */
    readonly filters: number,
    /** The window's length (odd). */
    readonly kernelSize: number,
    options: LocallyConnected1dOptions = {},
  ) {
    if (!Number.isInteger(filters) || filters < 1)
      throw new RangeError(`LocallyConnected1d: filters must be a positive integer, got ${filters}`);
    if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 !== 1) {
      throw new RangeError(`LocallyConnected1d: kernelSize must be a positive odd integer, got ${kernelSize}`);
    }
    const padding = options.padding ?? 'VALID';
    if (padding !== 'VALID' && padding !== 'SAME' && padding !== 'WRAP') {
      throw new RangeError(`LocallyConnected1d: padding must be 'VALID', 'SAME' or 'WRAP', got '${String(padding)}'`);
    }
    super({ name: `LocallyConnected1d_${filters}_${kernelSize}` });
    this.kernelInitializer = options.kernelInitializer;
    this.biasInitializer = options.biasInitializer ?? RandomNormal(1e-6);
    this.useBias = options.useBias ?? true;
    this.padding = padding;
  }

  private outputLength(length: number): number {
    if (this.padding !== 'VALID') return length;
    if (length < this.kernelSize) {
      throw new RangeError(`${this.name}: with padding VALID the length (${length}) must be at least kernelSize (${this.kernelSize})`);
    }
    return length - this.kernelSize + 1;
  }

  private check(x: ShapeDtype): [length: number, depth: number] {
    expectFloat(x, this.name);
    expectRankAtLeast(x, 2, this.name);
    return [x.shape[x.shape.length - 2]!, x.shape[x.shape.length - 1]!];
  }

  /** The kernel `w` (`[L, kernelSize, D, filters]`) and, with `useBias`, the bias `b` (`[L', filters]`). */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const [length, depth] = this.check(signature[0]!);
    const outLength = this.outputLength(length);
    const [kernelKey, biasKey] = splitKey(rng, 2);
    // Glorot over the whole shape counts the position axis in the fans; sqrt(L) undoes that exactly.
    const kernelInit = this.kernelInitializer ?? Scaled(GlorotUniform(), Math.sqrt(length));
    const w = kernelInit(kernelKey!, [length, this.kernelSize, depth, this.filters]);
    if (!this.useBias) return { weights: { w }, state: {} };
    return { weights: { w, b: this.biasInitializer(biasKey!, [outLength, this.filters]) }, state: {} };
  }

  /** `[..., L', filters]` float32. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const x = signature[0]!;
    const [length] = this.check(x);
    return { shape: [...x.shape.slice(0, -2), this.outputLength(length), this.filters], dtype: 'float32' };
  }

  /** For each output position `o` and window slot `k`, the input position read (or -1: a zero from SAME's padding). */
  private sourcePositions(length: number, outLength: number): Int32Array {
    const k = this.kernelSize;
    const c = (k - 1) / 2;
    const out = new Int32Array(outLength * k);
    for (let o = 0; o < outLength; o++) {
      for (let i = 0; i < k; i++) {
        let p = this.padding === 'VALID' ? o + k - 1 - i : o - c + i;
        if (this.padding === 'WRAP') p = ((p % length) + length) % length;
        out[o * k + i] = p >= 0 && p < length ? p : -1;
      }
    }
    return out;
  }

  /** Each window's positions through their own weights, summed, plus the bias. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    const [length, depth] = this.check(x);
    const w = weightOf(weights, 'w', this.name);
    const k = this.kernelSize;
    const f = this.filters;
    if (w.shape[0] !== length || w.shape[2] !== depth) {
      throw new RangeError(
        `${this.name}: the kernel [${w.shape.join(',')}] was made for inputs [..., ${w.shape[0]}, ${w.shape[2]}], got [${x.shape.join(',')}]`,
      );
    }
    const outLength = this.outputLength(length);
    const lead = x.shape.slice(0, -2);
    const y = tf.tidy(() => {
      const batch = lead.reduce((a, b) => a * b, 1);
      const byPosition = tf.transpose(tf.reshape(x, [batch, length, depth]), [1, 0, 2]); // [L, B, D]
      const kernels = tf.reshape(tf.transpose(w, [0, 2, 1, 3]), [length, depth, k * f]); // [L, D, K*F]
      const perSlot = tf.matMul(byPosition, kernels); // [L, B, K*F]: every position through every slot's weights
      const flat = tf.reshape(tf.transpose(tf.reshape(perSlot, [length, batch, k, f]), [0, 2, 1, 3]), [length * k, batch, f]);
      const sources = this.sourcePositions(length, outLength);
      const rows = Int32Array.from(sources, (p, j) => (p < 0 ? 0 : p * k + (j % k)));
      let picked = tf.reshape(tf.gather(flat, tf.tensor1d(rows, 'int32'), 0), [outLength, k, batch, f]);
      if (sources.includes(-1)) {
        const inside = tf.tensor4d(
          Float32Array.from(sources, (p) => (p < 0 ? 0 : 1)),
          [outLength, k, 1, 1],
        );
        picked = tf.mul(picked, inside);
      }
      let out = tf.transpose(tf.sum(picked, 1), [1, 0, 2]); // [B, L', F]
      if (this.useBias) out = tf.add(out, weightOf(weights, 'b', this.name));
      return tf.reshape(out, [...lead, outLength, f]);
    });
    return [y, state];
  }
}

/**
 * A locally connected layer with `filters` outputs per position and window `kernelSize` (see
 * {@link LocallyConnected1dLayer}).
 *
 * @example
 * ```ts
 * const layer = LocallyConnected1d(6, 3, { padding: 'SAME' }); // [..., L, D] -> [..., L, 6]
 * layer.init(shapeDtype([8, 20, 4]));
 * ```
 * @public
 */
export function LocallyConnected1d(filters: number, kernelSize: number, options: LocallyConnected1dOptions = {}): LocallyConnected1dLayer {
  return new LocallyConnected1dLayer(filters, kernelSize, options);
}
