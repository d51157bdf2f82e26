/**
 * Helpers shared by the conformance tests, which port Trax's own layer tests (google/trax at 7c189c2c,
 * `trax/layers/*_test.py`): the small layers Trax's tests build from `Fn`, and `asList`, Trax's `as_list`.
 */
import { tf } from '../../src/backend/tf.js';
import { Fn, type FnLayer } from '../../src/core/fn.js';
import type { Stack } from '../../src/core/types.js';

/** Trax's `DivideBy(val)`: one input, one output. */
export function DivideBy(val: number): FnLayer {
  return Fn('DivideBy', (x) => tf.div(x, val));
}

/** Trax's `ReturnConst(val)`: no input, one output (a new tensor of `val` on each call). */
export function ReturnConst(val: number | boolean | number[], dtype?: tf.DataType): FnLayer {
  return Fn('ReturnConst', () => tf.tensor(val, undefined, dtype ?? (typeof val === 'boolean' ? 'bool' : 'float32')));
}

/** Trax's `SmallerThan(val)`: whether the input is smaller than `val`. */
export function SmallerThan(val: number): FnLayer {
  return Fn('SmallerThan', (x) => tf.less(x, val));
}

/** Layer outputs as nested arrays of numbers, for exact comparison (Trax's `as_list`). */
export function asList(outputs: Stack): unknown {
  return Array.isArray(outputs) ? outputs.map((t) => t.arraySync()) : outputs.arraySync();
}
