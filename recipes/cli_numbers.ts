/**
 * Strict number arguments for the recipes' command lines (commander parsers): decimal digits only, since
 * `Number()` would read '' and ' ' as 0 and '0x2' as 2. A bad value throws commander's `InvalidArgumentError`, which
 * the CLI prints with the option's name and exits {@link USAGE_ERROR}.
 */
import { InvalidArgumentError } from 'commander';

/** The exit code of a usage error: a bad flag, value, command or config file (as POSIX utilities do). */
export const USAGE_ERROR = 2;

const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A parser of integers `>= min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = INTEGER.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'`);
    return n;
  };
}

/** The decimal number `value` reads as, or NaN. */
function decimal(value: string): number {
  return DECIMAL.test(value.trim()) ? Number(value) : NaN;
}

/** A parser of finite numbers in `[min, below)`. */
export function numberInRange(min: number, below = Infinity): (value: string) => number {
  return (value) => {
    const n = decimal(value);
    if (!Number.isFinite(n) || n < min || n >= below) {
      throw new InvalidArgumentError(`expected a number >= ${min}${below < Infinity ? ` and < ${below}` : ''}, got '${value}'`);
    }
    return n;
  };
}

/** Parses a finite number `>= 0`. */
export function nonNegativeNumber(value: string): number {
  const n = decimal(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number, got '${value}'`);
  return n;
}

/** Parses a finite number `> 0`. */
export function positiveNumber(value: string): number {
  const n = decimal(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

/** Parses a rate in `[0, 1)`. */
export function rate(value: string): number {
  const n = nonNegativeNumber(value);
  if (n >= 1) throw new InvalidArgumentError(`expected a number in [0, 1), got '${value}'`);
  return n;
}
