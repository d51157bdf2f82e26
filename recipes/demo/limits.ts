/**
 * The bounds of the fine-tuning controls, checked in the page (to say what is wrong next to the controls) and again
 * by the engine that trains (so that no other caller gets past them). Values outside them are refused with a
 * message naming the field, the bound and the value; nothing is clamped silently.
 */

/** The accepted range of each fine-tuning setting. */
export const FINE_TUNE_LIMITS = Object.freeze({
  steps: { min: 1, max: 1000, integer: true, label: 'Steps' },
  learningRate: { min: 1e-6, max: 0.1, integer: false, label: 'The learning rate' },
  batchSize: { min: 1, max: 64, integer: true, label: 'The batch size' },
});

/** The settings of one fine-tuning run. */
export interface FineTuneSettings {
  readonly steps: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

type Field = keyof typeof FINE_TUNE_LIMITS;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Why `raw` is not an accepted value of `field`, or undefined when it is. */
export function settingProblem(field: Field, raw: string | number): string | undefined {
  const { min, max, integer, label } = FINE_TUNE_LIMITS[field];
  const text = String(raw).trim();
  const value = Number(text);
  const range = `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  // Decimal notation only: Number('') is 0 and Number('0x2') is 2, neither of which a person meant.
  if (!DECIMAL.test(text) || !Number.isFinite(value)) return `${label} must be ${range}, got '${String(raw)}'`;
  if (integer && !Number.isInteger(value)) return `${label} must be ${range}, got ${text} (not an integer)`;
  if (value < min) return `${label} must be ${range}, got ${text} (below ${min})`;
  if (value > max) return `${label} must be ${range}, got ${text} (above ${max})`;
  return undefined;
}

/** The settings read from raw values; throws a RangeError naming every value out of bounds. */
export function checkSettings(raw: Record<Field, string | number>): FineTuneSettings {
  const problems = (Object.keys(FINE_TUNE_LIMITS) as Field[])
    .map((f) => settingProblem(f, raw[f]))
    .filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new RangeError(`${problems.join('; ')}.`);
  return { steps: Number(raw.steps), learningRate: Number(raw.learningRate), batchSize: Number(raw.batchSize) };
}
