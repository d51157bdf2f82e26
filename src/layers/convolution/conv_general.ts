/**
 * The convolution under `Conv`, `Conv1d` and `CausalConv`: Trax's `fastmath.conv` (JAX's `conv_general_dilated`)
 * for one or two spatial axes, in any layout named by dimension numbers.
 *
 * Why not `tf.conv2d` alone: tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` kernel, so the kernel gradient
 * of `tf.conv2d` fails on wasm, and tfjs's conv gradients refuse dilations above 1 on every backend. Here the
 * padding is explicit (`tf.pad`), a dilated kernel is spelled out with zeros between its taps (differentiable
 * reshapes and concatenations), and the remaining stride-only `valid` convolution runs as one `tf.customGrad`:
 * forward `tf.conv2d`, input gradient `tf.conv2dTranspose` (which every backend has), kernel gradient one product
 * `x_tapᵀ · dy` per kernel tap, where `x_tap` is the strided slice of the input that the tap meets. A 1-D
 * convolution of stride 1 (`Conv1d`, `CausalConv`, dilated or not) runs instead as a sum of one 2-D product per
 * kernel tap (see `tapSumConv1d`), much faster on wasm.
 */
import { tf } from '../../backend/tf.js';
import type { Tensor } from '../../core/types.js';

/** How a convolution pads its input: `VALID` (none), `SAME` (output size `ceil(in / stride)`), or explicit pairs. @public */
export type ConvPadding = 'VALID' | 'SAME' | ReadonlyArray<readonly [number, number]>;

/**
 * JAX's dimension numbers: the layouts of the input, the kernel and the output, one letter per axis. The input
 * and the output have `N` (batch) and `C` (features); the kernel `O` (output features) and `I` (input features);
 * every other letter is a spatial axis, matched across the three by letter, in the kernel's order.
 * @public
 */
export type DimensionNumbers = readonly [lhs: string, rhs: string, out: string];

/** A convolution's layout, resolved from its dimension numbers. @internal */
export interface ConvLayout {
  /** Spatial letters in the kernel's order (the order of kernel sizes, strides and paddings). */
  readonly spatial: string[];
  /** Permutation taking the input to `[N, spatial..., C]`. */
  readonly lhsPerm: number[];
  /** Permutation taking the kernel to `[spatial..., I, O]`. */
  readonly rhsPerm: number[];
  /** Permutation taking `[N, spatial..., C]` to the output layout. */
  readonly outPerm: number[];
}

function checkSpec(spec: string, required: string, spatial: readonly string[], what: string): void {
  const letters = [...spec];
  if (new Set(letters).size !== letters.length) throw new Error(`dimension numbers: the ${what} spec '${spec}' repeats a letter`);
  for (const c of required) {
    if (!letters.includes(c)) throw new Error(`dimension numbers: the ${what} spec '${spec}' has no '${c}'`);
  }
  const own = letters.filter((c) => !required.includes(c));
  if (own.length !== spatial.length || own.some((c) => !spatial.includes(c))) {
    throw new Error(`dimension numbers: the ${what} spec '${spec}' does not have the kernel's spatial axes ${spatial.join('')}`);
  }
}

/** Resolves and checks dimension numbers such as `['NHWC', 'HWIO', 'NHWC']`. @internal */
export function convLayout(dimensionNumbers: DimensionNumbers): ConvLayout {
  const [lhs, rhs, out] = dimensionNumbers;
  const spatial = [...rhs].filter((c) => c !== 'O' && c !== 'I');
  checkSpec(rhs, 'OI', spatial, 'kernel');
  checkSpec(lhs, 'NC', spatial, 'input');
  checkSpec(out, 'NC', spatial, 'output');
  if (spatial.length < 1 || spatial.length > 2) {
    throw new Error(`dimension numbers: ${spatial.length} spatial axes; trax-ts convolves over 1 or 2`);
  }
  const canonicalLhs = ['N', ...spatial, 'C'];
  return {
    spatial,
    lhsPerm: canonicalLhs.map((c) => lhs.indexOf(c)),
    rhsPerm: [...spatial, 'I', 'O'].map((c) => rhs.indexOf(c)),
    // Output axis k is the canonical axis of its letter.
    outPerm: [...out].map((c) => canonicalLhs.indexOf(c)),
  };
}

/** `(lo, hi)` padding per spatial axis, as JAX pads: `SAME` puts the odd element at the end. @internal */
export function paddingPairs(
  padding: ConvPadding,
  inSizes: readonly number[],
  kernelSizes: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): Array<[number, number]> {
  if (padding === 'VALID') return inSizes.map(() => [0, 0]);
  if (padding === 'SAME') {
    return inSizes.map((n, i) => {
      const out = Math.ceil(n / strides[i]!);
      const effective = (kernelSizes[i]! - 1) * dilations[i]! + 1;
      const total = Math.max((out - 1) * strides[i]! + effective - n, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (!Array.isArray(padding) || padding.length !== inSizes.length) {
    throw new Error(`padding must be 'VALID', 'SAME' or ${inSizes.length} (lo, hi) pairs, got ${JSON.stringify(padding)}`);
  }
  return padding.map((pair) => {
    const [lo, hi] = pair;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0) {
      throw new RangeError(`padding pairs must be non-negative integers, got ${JSON.stringify(padding)}`);
    }
    return [lo, hi] as [number, number];
  });
}

/** The output size of one spatial axis, or an error when the (padded) input is shorter than the kernel. @internal */
export function convOutputSize(n: number, pad: readonly [number, number], kernel: number, stride: number, dilation: number): number {
  const effective = (kernel - 1) * dilation + 1;
  const padded = n + pad[0] + pad[1];
  if (padded < effective)
    throw new RangeError(`a spatial axis of size ${n} (padded ${padded}) is shorter than the kernel's reach ${effective}`);
  return Math.floor((padded - effective) / stride) + 1;
}

/** `[kh, kw, I, O]` with `d - 1` zero rows (columns) between taps along each spatial axis: a dilated kernel. */
function dilateKernel(w: Tensor, dilations: readonly [number, number]): Tensor {
  let out = w;
  for (const axis of [0, 1] as const) {
    const d = dilations[axis];
    if (d === 1) continue;
    const shape = out.shape;
    const k = shape[axis]!;
    const zerosShape = [...shape];
    zerosShape[axis] = k * (d - 1);
    // Interleave: [k, 1, ...] beside [k, d-1, ...] zeros along a new axis, flattened, then the trailing zeros cut.
    const expanded = tf.expandDims(out, axis + 1);
    const zs = tf.zeros([...shape.slice(0, axis + 1), d - 1, ...shape.slice(axis + 1)]);
    const joined = tf.concat([expanded, zs], axis + 1);
    const flatShape = [...shape];
    flatShape[axis] = k * d;
    const begin = shape.map(() => 0);
    const size = [...flatShape];
    size[axis] = (k - 1) * d + 1;
    out = tf.slice(tf.reshape(joined, flatShape), begin, size);
  }
  return out;
}

/**
 * A stride-only `valid` 2-D convolution of `x: [N, H, W, C]` with `w: [kh, kw, C, O]`, with a gradient that needs
 * no `Conv2DBackpropFilter` kernel.
 */
function validConv2d(x: Tensor, w: Tensor, strides: readonly [number, number]): Tensor {
  const op = tf.customGrad(((xIn: Tensor, wIn: Tensor, save: (ts: Tensor[]) => void) => {
    save([xIn, wIn]);
    const y = tf.conv2d(xIn as tf.Tensor4D, wIn as tf.Tensor4D, strides as [number, number], 'valid');
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [n, , , c] = xs.shape;
        const [kh, kw, , o] = ws.shape;
        const [, ho, wo] = dy.shape as [number, number, number, number];
        const dx = tf.conv2dTranspose(dy as tf.Tensor4D, ws, xs.shape, strides as [number, number], 'valid');
        const dy2 = tf.reshape(dy, [n * ho * wo, o]);
        const taps: Tensor[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const tap = tf.stridedSlice(
              xs,
              [0, i, j, 0],
              [n, i + (ho - 1) * strides[0] + 1, j + (wo - 1) * strides[1] + 1, c],
              [1, strides[0], strides[1], 1],
            );
            taps.push(tf.matMul(tf.transpose(tf.reshape(tap, [n * ho * wo, c])), dy2));
          }
        }
        return [dx, tf.reshape(tf.stack(taps), [kh, kw, c, o])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, w);
}

/**
 * A stride-1 `valid` 1-D convolution of `x: [N, L, C]` with `w: [k, C, O]` at dilation `d`, as the sum over taps of
 * one 2-D product each: `y = Σ_i x[:, i d : i d + L', :] · w[i]`. Only slices, reshapes and 2-D products, so tfjs's
 * own gradients apply (a slice's is a pad) and no kernel tap is spelled out as zeros. On wasm this is 15-40x faster
 * forward and backward than the `conv2d` route for the NER encoder's shapes (`Conv2DBackpropInput` runs as a scalar
 * loop there, and a dilated kernel's zeros multiply the work).
 */
function tapSumConv1d(x: Tensor, w: Tensor, d: number): Tensor {
  const [n, l, c] = x.shape as [number, number, number];
  const [k, , o] = w.shape as [number, number, number];
  const out = l - (k - 1) * d;
  let y: Tensor | undefined;
  for (let i = 0; i < k; i++) {
    const tap = tf.reshape(tf.slice(x, [0, i * d, 0], [n, out, c]), [n * out, c]);
    const term = tf.matMul(tap, tf.reshape(tf.slice(w, [i, 0, 0], [1, c, o]), [c, o]));
    y = y === undefined ? term : tf.add(y, term);
  }
  return tf.reshape(y!, [n, out, o]);
}

/** Options of {@link convGeneral}. @internal */
export interface ConvGeneralOptions {
  readonly strides: readonly number[];
  readonly padding: ConvPadding;
  readonly dilations: readonly number[];
}

/**
 * `x` convolved with `w` in the layout `layout`: JAX's `conv_general_dilated` with kernel dilation, for inputs of
 * exactly the spec's rank.
 * @internal
 */
export function convGeneral(x: Tensor, w: Tensor, layout: ConvLayout, options: ConvGeneralOptions): Tensor {
  const nSpatial = layout.spatial.length;
  const xc = tf.transpose(x, layout.lhsPerm); // [N, spatial..., C]
  const wc = tf.transpose(w, layout.rhsPerm); // [spatial..., I, O]
  const inSizes = xc.shape.slice(1, 1 + nSpatial);
  const kernelSizes = wc.shape.slice(0, nSpatial);
  const pads = paddingPairs(options.padding, inSizes, kernelSizes, options.strides, options.dilations);
  for (let i = 0; i < nSpatial; i++) {
    convOutputSize(inSizes[i]!, pads[i]!, kernelSizes[i]!, options.strides[i]!, options.dilations[i]!);
  }
  const padded = pads.some(([lo, hi]) => lo > 0 || hi > 0) ? tf.pad(xc, [[0, 0], ...pads, [0, 0]]) : xc;
  if (nSpatial === 1 && options.strides[0] === 1) return tf.transpose(tapSumConv1d(padded, wc, options.dilations[0]!), layout.outPerm);
  // One spatial axis runs as two, with a height of 1.
  const x4 = nSpatial === 1 ? tf.expandDims(padded, 1) : padded;
  const w4 = nSpatial === 1 ? tf.expandDims(wc, 0) : wc;
  const strides2: [number, number] = nSpatial === 1 ? [1, options.strides[0]!] : [options.strides[0]!, options.strides[1]!];
  const dilations2: [number, number] = nSpatial === 1 ? [1, options.dilations[0]!] : [options.dilations[0]!, options.dilations[1]!];
  const y4 = validConv2d(x4, dilateKernel(w4, dilations2), strides2);
  const yc = nSpatial === 1 ? tf.squeeze(y4, [1]) : y4;
  return tf.transpose(yc, layout.outPerm);
}
