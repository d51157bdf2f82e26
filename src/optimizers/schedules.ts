import { match, P } from 'ts-pattern';

/**
 * A learning-rate schedule: the learning rate for a training step. Steps count from 1 (the first step the loop
 * runs), as in Trax.
 * @public
 */
export type LRSchedule = (step: number) => number;

/**
 * Trax's body-and-tail curve: a linear ramp from (0, 0) to (bodyStart, value), a constant body, and from
 * `tailStart` on an optional tail.
 */
function bodyAndTail(
  value: number,
  bodyStart: number,
  tail?: { start: number; fn: (step: number, start: number, value: number) => number },
): LRSchedule {
  return (step) => {
    if (step < bodyStart) return (step / bodyStart) * value;
    if (tail && step >= tail.start) return tail.fn(step, tail.start, value);
    return value;
  };
}

/** The same learning rate at every step (from step 1 on). @public */
export function constant(value: number): LRSchedule {
  return bodyAndTail(value, 1);
}

/**
 * Linear warm-up then constant: rises on the line from (0, 0) to (nWarmupSteps + 1, maxValue), so step
 * `nWarmupSteps` is just below `maxValue`, then stays at `maxValue` (Trax's `warmup`).
 * @public
 */
export function warmup(nWarmupSteps: number, maxValue: number): LRSchedule {
  return bodyAndTail(maxValue, nWarmupSteps + 1);
}

/**
 * Linear warm-up then reciprocal-square-root decay (Trax's `warmup_and_rsqrt_decay`): rises on the line from
 * (0, 0) to (nWarmupSteps + 1, maxValue), then falls as `maxValue * sqrt(nWarmupSteps + 1) / sqrt(step)`.
 * @public
 */
export function warmupAndRsqrtDecay(nWarmupSteps: number, maxValue: number): LRSchedule {
  const start = nWarmupSteps + 1;
  return bodyAndTail(maxValue, start, { start, fn: (step, tailStart, value) => value * (Math.sqrt(tailStart) / Math.sqrt(step)) });
}

/**
 * Linear warm-up then linear decay: rises on the line from (0, 0) to (nWarmupSteps, maxValue), so step
 * `nWarmupSteps` is `maxValue`, then falls on the line to `maxValue / 10` at step `nSteps`, and stays there. The
 * schedule of the NER and language-model recipes (BERT's, with a floor of a tenth instead of 0).
 *
 * @param nWarmupSteps - steps of the warm-up (0: none, the decay starts at step 1).
 * @param maxValue - the learning rate at the end of the warm-up.
 * @param nSteps - the step at which the decay reaches `maxValue / 10` (a run's length).
 *
 * @example
 * ```ts
 * const lr = warmupLinearDecay(100, 1e-3, 1000); // lr(50) = 5e-4, lr(100) = 1e-3, lr(1000) = 1e-4
 * ```
 * @public
 */
export function warmupLinearDecay(nWarmupSteps: number, maxValue: number, nSteps: number): LRSchedule {
  for (const [name, value] of [
    ['nWarmupSteps', nWarmupSteps],
    ['maxValue', maxValue],
    ['nSteps', nSteps],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`warmupLinearDecay: ${name} must be a finite number >= 0, got ${value}`);
  }
  return (step) => {
    if (step <= nWarmupSteps) return (maxValue * step) / Math.max(1, nWarmupSteps);
    const done = Math.min(1, (step - nWarmupSteps) / Math.max(1, nSteps - nWarmupSteps));
    return maxValue * (1 - 0.9 * done);
  };
}

/** A factor of {@link multifactor}'s product. @public */
export type ScheduleFactor = 'constant' | 'linear_warmup' | 'rsqrt_decay' | 'rsqrt_normalized_decay' | 'decay_every' | 'cosine_decay';

/** Options of {@link multifactor}; defaults are Trax's. @public */
export interface MultifactorOptions {
  /** Factors joined by `*` (default `'constant * linear_warmup * rsqrt_decay'`). */
  factors?: string;
  /** The `constant` factor (default 0.1). */
  constant?: number;
  /** Warm-up length for `linear_warmup`, `rsqrt_decay` and `cosine_decay` (default 400). */
  warmupSteps?: number;
  /** Multiplier per period of `decay_every` (default 0.5). */
  decayFactor?: number;
  /** Period of `decay_every` (default 20000). */
  stepsPerDecay?: number;
  /** Period of `cosine_decay` (default 100000). */
  stepsPerCycle?: number;
  /** The rate never goes below this (default 0). */
  minimum?: number;
}

/**
 * Trax's factor-based schedule: the product of the named factors, each a function of the step:
 * - `constant`: `constant`;
 * - `linear_warmup`: `min(1, step / warmupSteps)`;
 * - `rsqrt_decay`: `1 / sqrt(max(step, warmupSteps))`;
 * - `rsqrt_normalized_decay`: `sqrt(warmupSteps) / sqrt(max(step, warmupSteps))`;
 * - `decay_every`: `decayFactor ^ floor(step / stepsPerDecay)`;
 * - `cosine_decay`: `0.5 (1 + cos(pi * (p mod 1)))` with `p = max(0, (step - warmupSteps) / stepsPerCycle)`.
 *
 * The result is at least `minimum`. An unknown factor name is refused when the schedule is made.
 *
 * @example
 * ```ts
 * const lr = multifactor({ factors: 'constant * linear_warmup * cosine_decay', constant: 0.01, warmupSteps: 100 });
 * ```
 * @public
 */
export function multifactor(options: MultifactorOptions = {}): LRSchedule {
  const {
    factors = 'constant * linear_warmup * rsqrt_decay',
    constant: value = 0.1,
    warmupSteps = 400,
    decayFactor = 0.5,
    stepsPerDecay = 20000,
    stepsPerCycle = 100000,
    minimum = 0,
  } = options;
  const parts = factors.split('*').map((f) => f.trim());
  const fns = parts.map((name) =>
    match(name)
      .with('constant', () => (): number => value)
      .with('linear_warmup', () => (step: number) => Math.min(1, step / warmupSteps))
      .with('rsqrt_decay', () => (step: number) => 1 / Math.sqrt(Math.max(step, warmupSteps)))
      .with('rsqrt_normalized_decay', () => (step: number) => Math.sqrt(warmupSteps) / Math.sqrt(Math.max(step, warmupSteps)))
      .with('decay_every', () => (step: number) => decayFactor ** Math.floor(step / stepsPerDecay))
      .with('cosine_decay', () => (step: number) => {
        const progress = Math.max(0, (step - warmupSteps) / stepsPerCycle);
        return 0.5 * (1 + Math.cos(Math.PI * (progress % 1)));
      })
      .with(P.string, (unknown) => {
        throw new Error(
          `multifactor: unknown factor '${unknown}' in '${factors}'; known factors: constant, linear_warmup, rsqrt_decay, ` +
            'rsqrt_normalized_decay, decay_every, cosine_decay',
        );
      })
      .exhaustive(),
  );
  return (step) => {
    let rate = 1;
    for (const f of fns) rate *= f(step);
    return rate <= minimum ? minimum : rate;
  };
}
