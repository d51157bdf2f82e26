/**
 * Gathering an async iterable into an array (Node 20 lacks `Array.fromAsync`).
 */

/**
 * All items of `items`, in order; stops after `limit` items when given (closing the source early).
 * @public
 */
export async function collect<T>(items: AsyncIterable<T> | Iterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}
