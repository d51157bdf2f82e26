import { requireInput, type Stream, type StreamFn } from './stream.js';

/** Options of {@link FromArray}. @public */
export interface FromArrayOptions {
  /** Start over when the items run out, forever (default false). */
  repeat?: boolean;
}

/**
 * A source stream over a fixed list of items (examples or batches), once or repeated forever.
 * @public
 */
export function FromArray<T>(items: readonly T[], options: FromArrayOptions = {}): StreamFn<unknown, T> {
  const { repeat = false } = options;
  return () =>
    (async function* (): AsyncGenerator<T> {
      if (items.length === 0) return;
      do {
        for (const item of items) yield item;
      } while (repeat);
    })();
}

/**
 * An endless source whose i-th item is `make(i)`. When `make` derives its randomness from a key and `i` (for
 * example `foldIn(key, i)`), the stream is deterministic and any position can be reproduced.
 * @public
 */
export function Generate<T>(make: (index: number) => T): StreamFn<unknown, T> {
  return () =>
    (async function* (): AsyncGenerator<T> {
      for (let i = 0; ; i++) yield make(i);
    })();
}

/** The first `n` items of the input. @public */
export function Take<T>(n: number): StreamFn<T, T> {
  return (input?: Stream<T>) => {
    const source = requireInput(input, 'Take');
    return (async function* (): AsyncGenerator<T> {
      if (n <= 0) return;
      let i = 0;
      for await (const item of source) {
        yield item;
        if (++i >= n) return;
      }
    })();
  };
}
