import { exampleLength, type LengthOptions } from './length.js';
import type { Example } from './ndarray.js';
import { requireInput, type Stream, type StreamFn } from './stream.js';

/** Options of {@link FilterByLength}. @public */
export interface FilterByLengthOptions extends LengthOptions {
  /** Examples shorter than this are dropped (default 0). */
  minLength?: number;
}

/**
 * Drops examples longer than `maxLength` (or shorter than `minLength`). The length is the largest size along
 * `lengthAxis` (default 0) of the arrays at `lengthKeys` (default `[0, 1]`), as in Trax.
 * @public
 */
export function FilterByLength(maxLength: number, options: FilterByLengthOptions = {}): StreamFn<Example, Example> {
  const { minLength = 0 } = options;
  return (input?: Stream<Example>) => {
    const source = requireInput(input, 'FilterByLength');
    return (async function* (): AsyncGenerator<Example> {
      for await (const example of source) {
        const length = exampleLength(example, options);
        if (length <= maxLength && length >= minLength) yield example;
      }
    })();
  };
}
