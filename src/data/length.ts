import type { Example } from './ndarray.js';

/** How the length of an example is measured: by `lengthAxis` of the arrays at `lengthKeys`. @public */
export interface LengthOptions {
  /** Which arrays of the example to measure (default `[0, 1]`, inputs and targets, as in Trax). */
  lengthKeys?: readonly number[];
  /** Which axis of those arrays is the length (default 0). */
  lengthAxis?: number;
}

/** The length of an example: the largest `lengthAxis` size over the arrays at `lengthKeys` that it has. */
export function exampleLength(example: Example, options: LengthOptions = {}): number {
  const { lengthKeys = [0, 1], lengthAxis = 0 } = options;
  let length = 0;
  let measured = false;
  for (const k of lengthKeys) {
    const a = example[k];
    if (a === undefined) continue;
    if (lengthAxis >= a.shape.length) {
      throw new RangeError(`data: array ${k} of the example has rank ${a.shape.length}, no length axis ${lengthAxis}`);
    }
    length = Math.max(length, a.shape[lengthAxis]!);
    measured = true;
  }
  if (!measured) throw new RangeError(`data: the example has no array at any of the length keys [${lengthKeys.join(', ')}]`);
  return length;
}
