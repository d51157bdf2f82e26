import type { Example, NDArray } from './ndarray.js';
import { padTo } from './ndarray.js';
import { requireInput, type Stream, type StreamFn } from './stream.js';

/** Options of {@link PadToLength} and {@link PadToMultiple}. @public */
export interface PadOptions {
  /** The padding value: one for all arrays, or per array index (default 0). */
  padValue?: number | Readonly<Record<number, number>>;
  /** The axis padded (default 0: the length of an example; use 1 for the length of a batch). */
  axis?: number;
}

function padStage(name: string, map: Readonly<Record<number, number>>, options: PadOptions, target: (length: number, value: number) => number): StreamFn<Example, Example> {
  const { padValue = 0, axis = 0 } = options;
  for (const [k, v] of Object.entries(map)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`data.${name}: the length for array ${k} must be a positive integer, got ${v}`);
  }
  const valueFor = (k: number): number => (typeof padValue === 'number' ? padValue : (padValue[k] ?? 0));
  return (input?: Stream<Example>) => {
    const source = requireInput(input, name);
    return (async function* (): AsyncGenerator<Example> {
      for await (const example of source) {
        yield example.map((a: NDArray, k) => {
          const value = map[k];
          if (value === undefined) return a;
          if (axis >= a.shape.length) throw new RangeError(`data.${name}: array ${k} has rank ${a.shape.length}, no axis ${axis}`);
          const shape = [...a.shape];
          shape[axis] = Math.max(shape[axis]!, target(shape[axis]!, value));
          return padTo(a, shape, valueFor(k));
        });
      }
    })();
  };
}

/**
 * Pads arrays of each example at the end of `axis` (default 0) to the lengths in `lengths`, keyed by array
 * index: `PadToLength({ 0: 64, 1: 64 })`. Longer arrays are left as they are.
 * @public
 */
export function PadToLength(lengths: Readonly<Record<number, number>>, options: PadOptions = {}): StreamFn<Example, Example> {
  return padStage('PadToLength', lengths, options, (_length, value) => value);
}

/**
 * Pads arrays of each example at the end of `axis` (default 0) up to the next multiple of the numbers in
 * `multiples`, keyed by array index: `PadToMultiple({ 0: 8 })` turns length 13 into 16.
 * @public
 */
export function PadToMultiple(multiples: Readonly<Record<number, number>>, options: PadOptions = {}): StreamFn<Example, Example> {
  return padStage('PadToMultiple', multiples, options, (length, value) => Math.ceil(length / value) * value);
}
