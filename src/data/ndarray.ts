/**
 * A minimal n-dimensional array for the data pipeline: plain typed arrays, no tensors, so a stream holds no
 * tfjs memory and can be buffered, shuffled and replayed freely. Batches become tensors only at the training
 * step (see {@link batchToTensors}).
 */

/** The element types the data pipeline carries. @public */
export type DataDtype = 'int32' | 'float32';

/** A dense row-major array: the pipeline's counterpart of a NumPy `ndarray`. @public */
export interface NDArray {
  /** The element type of `data`. */
  readonly dtype: DataDtype;
  /** The size of each axis; `data` holds their product of elements. */
  readonly shape: readonly number[];
  /** The elements in row-major order (`Int32Array` for int32, `Float32Array` for float32). */
  readonly data: Int32Array | Float32Array;
}

/** One item of a stream: a tuple of arrays, such as `(inputs, targets)` or `(inputs, targets, weights)`. @public */
export type Example = readonly NDArray[];

/** Numbers nested to any depth, as `[[1, 2], [3, 4]]`. @public */
export type NestedNumbers = number | readonly NestedNumbers[];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function allocate(dtype: DataDtype, n: number): Int32Array | Float32Array {
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

function inferShape(values: NestedNumbers): number[] {
  const shape: number[] = [];
  let v: NestedNumbers = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0] as NestedNumbers;
  }
  return shape;
}

/**
 * Makes an array from (nested) numbers or a typed array. Nested input must be rectangular.
 *
 * @example
 * ```ts
 * const tokens = ndarray([5, 7, 2]);                 // int32[3]
 * const weights = ndarray([[1, 1], [1, 0]], 'float32');
 * ```
 * @public
 */
export function ndarray(values: NestedNumbers | Int32Array | Float32Array, dtype: DataDtype = 'int32', shape?: readonly number[]): NDArray {
  if (values instanceof Int32Array || values instanceof Float32Array) {
    const s = shape ?? [values.length];
    if (sizeOf(s) !== values.length) throw new RangeError(`ndarray: shape [${s.join(',')}] does not hold ${values.length} values`);
    const data = allocate(dtype, values.length);
    data.set(values);
    return { dtype, shape: [...s], data };
  }
  const s = shape ?? inferShape(values);
  const flat = Array.isArray(values) ? (values as unknown[]).flat(Infinity as 1) as number[] : [values as number];
  if (sizeOf(s) !== flat.length) throw new RangeError(`ndarray: nested values are not rectangular for shape [${s.join(',')}]`);
  const data = allocate(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
  return { dtype, shape: [...s], data };
}

/** A new array of the given shape filled with `value`. @public */
export function filled(shape: readonly number[], value: number, dtype: DataDtype): NDArray {
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(value);
  return { dtype, shape: [...shape], data };
}

/** The values as nested JS arrays (for tests and debugging). @public */
export function toNested(a: NDArray): NestedNumbers {
  const build = (dim: number, offset: number): NestedNumbers => {
    if (dim === a.shape.length) return a.data[offset]!;
    const stride = sizeOf(a.shape.slice(dim + 1));
    return Array.from({ length: a.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}

/**
 * Pads `a` at the end of every axis to `shape` with `value`. Each target dimension must be at least the current
 * one; an axis already long enough is left alone.
 * @public
 */
export function padTo(a: NDArray, shape: readonly number[], value = 0): NDArray {
  if (shape.length !== a.shape.length) {
    throw new RangeError(`padTo: cannot pad an array of rank ${a.shape.length} to rank ${shape.length}`);
  }
  if (shape.every((d, i) => d === a.shape[i])) return a;
  shape.forEach((d, i) => {
    if (d < a.shape[i]!) throw new RangeError(`padTo: axis ${i} has length ${a.shape[i]}, longer than the target ${d}`);
  });
  const out = filled(shape, value, a.dtype);
  copyInto(out, a);
  return out;
}

/** Copies `src` into the leading corner of `dst` (same rank, every dimension of `dst` at least `src`'s). */
function copyInto(dst: NDArray, src: NDArray, dstOffset = 0): void {
  const rank = src.shape.length;
  if (rank === 0) {
    (dst.data as Float32Array)[dstOffset] = src.data[0]!;
    return;
  }
  const srcStrides = strides(src.shape);
  const dstStrides = strides(dst.shape);
  const rowLength = src.shape[rank - 1]!;
  const walk = (dim: number, s: number, d: number): void => {
    if (dim === rank - 1) {
      (dst.data as Float32Array).set(src.data.subarray(s, s + rowLength), d);
      return;
    }
    for (let i = 0; i < src.shape[dim]!; i++) walk(dim + 1, s + i * srcStrides[dim]!, d + i * dstStrides[dim]!);
  };
  walk(0, 0, dstOffset);
}

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/**
 * Stacks arrays of equal rank and dtype along a new leading axis, padding each (with `value`, at the end of
 * every axis) to `shape`, or to the largest size on each axis when `shape` is not given.
 * @public
 */
export function stackPadded(arrays: readonly NDArray[], shape?: readonly number[], value = 0): NDArray {
  if (arrays.length === 0) throw new RangeError('stackPadded: nothing to stack');
  const first = arrays[0]!;
  for (const a of arrays) {
    if (a.shape.length !== first.shape.length || a.dtype !== first.dtype) {
      throw new TypeError(
        `stackPadded: cannot stack ${first.dtype}[${first.shape.join(',')}] with ${a.dtype}[${a.shape.join(',')}] (rank and dtype must agree)`,
      );
    }
  }
  const target = shape ? [...shape] : maxShape(arrays);
  const itemSize = sizeOf(target);
  const out = filled([arrays.length, ...target], value, first.dtype);
  arrays.forEach((a, i) => {
    a.shape.forEach((d, axis) => {
      if (d > target[axis]!) throw new RangeError(`stackPadded: axis ${axis} has length ${d}, longer than the target ${target[axis]}`);
    });
    copyInto({ dtype: out.dtype, shape: target, data: out.data.subarray(i * itemSize, (i + 1) * itemSize) }, a);
  });
  return out;
}

/** The largest size on each axis over arrays of equal rank. @public */
export function maxShape(arrays: readonly NDArray[]): number[] {
  const shape = [...arrays[0]!.shape];
  for (const a of arrays) a.shape.forEach((d, i) => (shape[i] = Math.max(shape[i]!, d)));
  return shape;
}
