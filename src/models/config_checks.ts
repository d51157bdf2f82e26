/**
 * Checks of model configurations, so that a wrong setting fails when the model is built, with a message naming
 * the model and the setting.
 */

/**
 * The keys of a configuration type as a list, from a record with one entry per key: the compiler refuses a record
 * that misses a key of `T` or names one that `T` lacks, so the list cannot drift from the type.
 */
export function keysOf<T extends object>(record: { readonly [K in keyof T]-?: true }): Array<keyof T & string> {
  return Object.keys(record) as Array<keyof T & string>;
}

/** Refuses keys that the model does not know (usually a typo). */
export function checkKnownKeys(model: string, config: object, known: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) throw new Error(`${model}: unknown setting '${key}'; known settings are ${known.join(', ')}`);
  }
}

/** A positive (or, with `min` 0, non-negative) integer setting. */
export function checkInt(model: string, name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${model}: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** A rate in [0, 1). */
export function checkRate(model: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new RangeError(`${model}: ${name} must be a number in [0, 1), got ${String(value)}`);
  }
  return value;
}

/** A boolean setting. */
export function checkBool(model: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${model}: ${name} must be true or false, got ${String(value)}`);
  return value;
}

/** Per-head depth: given, or `dModel / nHeads`, which must then be whole. */
export function headDepth(model: string, name: string, given: unknown, dModel: number, nHeads: number): number {
  if (given !== undefined) return checkInt(model, name, given);
  if (dModel % nHeads !== 0) {
    throw new RangeError(`${model}: dModel ${dModel} is not divisible by nHeads ${nHeads}; set ${name} explicitly`);
  }
  return dModel / nHeads;
}
