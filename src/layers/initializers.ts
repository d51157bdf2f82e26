/**
 * Weight initializers: functions from a random key and a shape to a float32 tensor.
 *
 * The conventions follow Trax's `trax/layers/initializers.py`: a weight matrix of shape `[..., fanIn, fanOut]`
 * maps its second-to-last axis (inputs) to its last axis (outputs), so `fanIn = shape[-2]` and
 * `fanOut = shape[-1]` by default; any further axes (the receptive field of a convolution kernel) multiply both.
 * A vector's fans are both its length; a scalar's are 1. Every random draw comes from the key, so the same key and
 * shape give bit-identical tensors on every backend.
 */
import { tf } from '../backend/tf.js';
import { foldIn, type Key, normalFloats } from '../rng/key.js';
import { normal, uniform } from '../rng/random.js';
import type { Tensor } from '../core/types.js';

/**
 * Makes an initial weight tensor of `shape` from the random `key`. Initializers are pure: the same key and shape
 * always give the same values.
 * @public
 */
export type Initializer = (key: Key, shape: number[]) => Tensor;

/** How {@link VarianceScaling} turns the fans of a shape into a variance. @public */
export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';

/** The distribution {@link VarianceScaling} draws from. @public */
export type ScalingDistribution = 'uniform' | 'normal' | 'truncated_normal';

/** Which axes of a weight shape are its input and output axes (negative counts from the end). @public */
export interface FanAxes {
  /** The output axis (default -1). */
  outDim?: number;
  /** The input axis (default -2). */
  inDim?: number;
}

/** Options of {@link VarianceScaling}. @public */
export interface VarianceScalingOptions extends FanAxes {
  /** Multiplies the variance (default 1); must be positive. */
  scale?: number;
  /** Divide the scale by the fan-in, the fan-out or their average (default `fan_avg`). */
  mode?: FanMode;
  /** Distribution of the values (default `uniform`). */
  distribution?: ScalingDistribution;
}

function checkShape(shape: readonly number[], who: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${who}: the shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The fan-in and fan-out of a weight shape, Trax's way: the sizes of the input and output axes, each multiplied by
 * the product of the other axes (the receptive field). A vector's fans are its length, a scalar's are 1.
 * @public
 */
export function fans(shape: readonly number[], axes: FanAxes = {}): { fanIn: number; fanOut: number } {
  const rank = shape.length;
  if (rank === 0) return { fanIn: 1, fanOut: 1 };
  if (rank === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const norm = (a: number): number => {
    const n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) throw new RangeError(`fans: axis ${a} is out of range for a shape of rank ${rank}`);
    return n;
  };
  const outDim = norm(axes.outDim ?? -1);
  const inDim = norm(axes.inDim ?? -2);
  if (outDim === inDim) throw new RangeError(`fans: the input and output axes must differ, both are ${inDim}`);
  const receptiveField = shape.reduce((p, d, i) => (i === outDim || i === inDim ? p : p * d), 1);
  return { fanIn: shape[inDim]! * receptiveField, fanOut: shape[outDim]! * receptiveField };
}

/**
 * Float32 zeros, whatever the key.
 * @public
 */
export function Zeros(): Initializer {
  return (_key, shape) => {
    checkShape(shape, 'Zeros');
    return tf.zeros(shape, 'float32');
  };
}

/**
 * Float32 ones, whatever the key.
 * @public
 */
export function Ones(): Initializer {
  return (_key, shape) => {
    checkShape(shape, 'Ones');
    return tf.ones(shape, 'float32');
  };
}

/**
 * Every entry equal to `value`, whatever the key.
 * @public
 */
export function Constant(value: number): Initializer {
  return (_key, shape) => {
    checkShape(shape, 'Constant');
    return tf.fill(shape, value, 'float32');
  };
}

/**
 * Independent normal values with mean 0 and standard deviation `stddev` (default 0.01, as Trax's
 * `RandomNormalInitializer`).
 * @public
 */
export function RandomNormal(stddev = 1e-2): Initializer {
  return (key, shape) => {
    checkShape(shape, 'RandomNormal');
    return normal(key, shape, stddev);
  };
}

/**
 * Independent values uniform in `[-lim, lim)` (default `lim` 1, as Trax's `RandomUniformInitializer`).
 * @public
 */
export function RandomUniform(lim = 1): Initializer {
  return (key, shape) => {
    checkShape(shape, 'RandomUniform');
    return uniform(key, shape, -lim, lim);
  };
}

/** Scipy's `truncnorm.std(a=-2, b=2)`: the standard deviation of a standard normal cut to [-2, 2]. */
const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/**
 * Standard normal values cut to [-2, 2] (redrawn until they fall inside), deterministic in `key`: round `r` of
 * redraws uses `foldIn(key, r)`.
 */
function truncatedNormalFloats(key: Key, n: number): Float32Array {
  const out = new Float32Array(n);
  let filled = 0;
  for (let round = 0; filled < n; round++) {
    const draws = normalFloats(round === 0 ? key : foldIn(key, round), Math.max(n - filled, 2));
    for (const z of draws) {
      if (filled === n) break;
      if (z >= -2 && z <= 2) out[filled++] = z;
    }
  }
  return out;
}

/**
 * Trax's `ScaledInitializer`: values whose variance is `scale` divided by the fan-in, the fan-out or their
 * average, from a uniform, normal or truncated normal distribution. With `fan_avg` and `uniform` it is Glorot
 * (Xavier) uniform; with `fan_in` and `normal`, LeCun normal.
 *
 * Options: `scale` (default 1), `mode` (default `fan_avg`), `distribution` (default `uniform`), and the axes
 * `outDim` (default -1) and `inDim` (default -2) that {@link fans} reads.
 * @public
 */
export function VarianceScaling(options: VarianceScalingOptions = {}): Initializer {
  const { scale = 1, mode = 'fan_avg', distribution = 'uniform' } = options;
  if (!(scale > 0)) throw new RangeError(`VarianceScaling: scale must be positive, got ${scale}`);
  if (mode !== 'fan_in' && mode !== 'fan_out' && mode !== 'fan_avg') {
    throw new RangeError(`VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got '${String(mode)}'`);
  }
  if (distribution !== 'uniform' && distribution !== 'normal' && distribution !== 'truncated_normal') {
    throw new RangeError(`VarianceScaling: distribution must be 'uniform', 'normal' or 'truncated_normal', got '${String(distribution)}'`);
  }
  return (key, shape) => {
    checkShape(shape, 'VarianceScaling');
    const { fanIn, fanOut } = fans(shape, options);
    const fan = mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(fan, 1);
    if (distribution === 'uniform') {
      const lim = Math.sqrt(3 * variance);
      return uniform(key, shape, -lim, lim);
    }
    if (distribution === 'normal') return normal(key, shape, Math.sqrt(variance));
    const stddev = Math.sqrt(variance) / TRUNCATED_NORMAL_STD;
    const z = truncatedNormalFloats(key, size(shape));
    for (let i = 0; i < z.length; i++) z[i] = z[i]! * stddev;
    return tf.tensor(z, shape, 'float32');
  };
}

/** Options of the Glorot, LeCun and Kaiming initializers. @public */
export interface ScaledFanOptions extends FanAxes {
  /** Multiplies the variance (default 1). */
  scale?: number;
}

/**
 * Glorot (Xavier) uniform: uniform in `[-l, l]` with `l = sqrt(6 scale / (fanIn + fanOut))`. Trax's default
 * kernel initializer for `Dense`.
 * @public
 */
export function GlorotUniform(options: ScaledFanOptions = {}): Initializer {
  return VarianceScaling({ ...options, mode: 'fan_avg', distribution: 'uniform' });
}

/**
 * Glorot (Xavier) normal: normal with variance `2 scale / (fanIn + fanOut)`.
 * @public
 */
export function GlorotNormal(options: ScaledFanOptions = {}): Initializer {
  return VarianceScaling({ ...options, mode: 'fan_avg', distribution: 'normal' });
}

/**
 * LeCun normal: normal with variance `scale / fanIn`.
 * @public
 */
export function LeCunNormal(options: ScaledFanOptions = {}): Initializer {
  return VarianceScaling({ ...options, mode: 'fan_in', distribution: 'normal' });
}

/**
 * LeCun uniform: uniform with variance `scale / fanIn`.
 * @public
 */
export function LeCunUniform(options: ScaledFanOptions = {}): Initializer {
  return VarianceScaling({ ...options, mode: 'fan_in', distribution: 'uniform' });
}

/** Options of the Kaiming (He) initializers. @public */
export interface KaimingOptions extends FanAxes {
  /** Negative slope of the leaky ReLU that follows the layer (default 0, a plain ReLU). */
  param?: number;
}

/**
 * Kaiming (He) normal: normal with variance `2 / sqrt(1 + param^2) / fanIn` (Trax's formula), for layers
 * followed by a (leaky) ReLU.
 * @public
 */
export function KaimingNormal(options: KaimingOptions = {}): Initializer {
  const { param = 0, ...axes } = options;
  return VarianceScaling({ ...axes, scale: 2 / Math.sqrt(1 + param * param), mode: 'fan_in', distribution: 'normal' });
}

/**
 * Kaiming (He) uniform: uniform with variance `2 / sqrt(1 + param^2) / fanIn`.
 * @public
 */
export function KaimingUniform(options: KaimingOptions = {}): Initializer {
  const { param = 0, ...axes } = options;
  return VarianceScaling({ ...axes, scale: 2 / Math.sqrt(1 + param * param), mode: 'fan_in', distribution: 'uniform' });
}

/**
 * Another initializer's values multiplied by `scale`.
 * @public
 */
export function Scaled(initializer: Initializer, scale: number): Initializer {
  if (!Number.isFinite(scale)) throw new RangeError(`Scaled: scale must be a finite number, got ${scale}`);
  return (key, shape) => {
    const base = initializer(key, shape);
    const out = tf.mul(base, scale);
    base.dispose();
    return out;
  };
}

/**
 * A (semi-)orthogonal matrix times `stddev`: all axes but the last are flattened into rows, and the rows (or the
 * columns, whichever are fewer) are orthonormal. Made by Gram-Schmidt orthonormalisation of a normal draw on the
 * host, in float64.
 * @public
 */
export function Orthogonal(stddev = 1): Initializer {
  return (key, shape) => {
    checkShape(shape, 'Orthogonal');
    const full = shape.length >= 2 ? shape : [...Array(2 - shape.length).fill(1), ...shape];
    const cols = full[full.length - 1]!;
    const rows = size(full) / Math.max(cols, 1);
    const [n, m] = rows < cols ? [cols, rows] : [rows, cols];
    // m orthonormal vectors of length n, from m normal vectors.
    const z = normalFloats(key, n * m);
    const basis: Float64Array[] = [];
    for (let j = 0; j < m; j++) {
      const v = Float64Array.from({ length: n }, (_, i) => z[i * m + j]!);
      for (const u of basis) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < n; i++) v[i] = v[i]! - dot * u[i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) v[i] = v[i]! / norm;
      basis.push(v);
    }
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // Columns are the basis vectors when rows >= cols, rows are when rows < cols.
        out[r * cols + c] = stddev * (rows >= cols ? basis[c]![r]! : basis[r]![c]!);
      }
    }
    return tf.tensor(out, shape, 'float32');
  };
}
