/**
 * Checks of attention hyperparameters, shared by the attention layers so that a bad configuration fails when the
 * layer is built, with a message that names the layer and the offending value.
 */

/** Throws unless `value` is an integer of at least `min`. */
export function checkInteger(layer: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const want = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new RangeError(`${layer}: ${name} must be ${want}, got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a rate in [0, 1). */
export function checkRate(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new RangeError(`${layer}: ${name} must be a rate in [0, 1), got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is 'train', 'eval' or 'predict'. */
export function checkMode(layer: string, value: unknown): 'train' | 'eval' | 'predict' {
  if (value !== 'train' && value !== 'eval' && value !== 'predict') {
    throw new Error(`${layer}: mode must be 'train', 'eval' or 'predict', got '${String(value)}'`);
  }
  return value;
}

/** Throws unless the options object has only the known keys (a misspelt option would otherwise be ignored). */
export function checkKnownOptions(layer: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${layer}: unknown option '${key}'; expected one of ${known.join(', ')}`);
  }
}
