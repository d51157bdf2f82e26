/**
 * The stable order every vocabulary uses: most frequent first, ties in code-unit (not locale) order.
 */

/** Adds one to `counts` for each item. */
export function countInto(counts: Map<string, number>, items: Iterable<string>): Map<string, number> {
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Compares strings by UTF-16 code units, independent of the locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The items of `counts` seen at least `minCount` times, by decreasing count, ties in code-unit order.
 * @public
 */
export function orderByFrequency(counts: ReadonlyMap<string, number>, minCount = 1): string[] {
  return [...counts]
    .filter(([, count]) => count >= minCount)
    .sort(([a, countA], [b, countB]) => countB - countA || compareCodeUnits(a, b))
    .map(([item]) => item);
}
