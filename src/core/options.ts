/**
 * Refuses an options argument that is not a plain object or has keys the layer does not know: a misspelt or
 * renamed option (or a positional argument where an options object belongs) would otherwise be ignored silently.
 */
export function refuseUnknownOptions(who: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${who}: expected an options object ({ ${known.join(', ')} }), got ${String(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(`${who}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}; expected one of ${known.join(', ')}`);
  }
}
