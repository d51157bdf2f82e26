import { constant, multifactor, warmup, warmupAndRsqrtDecay, warmupLinearDecay } from '../../src/optimizers/schedules.js';

describe('learning-rate schedules against hand-computed values', () => {
  test('constant', () => {
    const lr = constant(0.01);
    expect([1, 2, 1000].map(lr)).toEqual([0.01, 0.01, 0.01]);
  });

  test('warmup: line from (0, 0) to (n + 1, max), then flat', () => {
    const lr = warmup(4, 1.0);
    // steps 1..4 are 1/5 .. 4/5 of the maximum; step 5 on is the maximum
    expect([0, 1, 2, 3, 4, 5, 6, 100].map(lr)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1]);
  });

  test('warmupAndRsqrtDecay: warm-up, then max * sqrt(n + 1) / sqrt(step)', () => {
    const lr = warmupAndRsqrtDecay(3, 0.5);
    expect(lr(1)).toBeCloseTo(0.125, 12); // 1/4 of 0.5
    expect(lr(3)).toBeCloseTo(0.375, 12);
    expect(lr(4)).toBeCloseTo(0.5, 12); // sqrt(4) / sqrt(4)
    expect(lr(16)).toBeCloseTo(0.25, 12); // 0.5 * 2 / 4
    expect(lr(64)).toBeCloseTo(0.125, 12); // 0.5 * 2 / 8
  });

  test('warmupLinearDecay: line from (0, 0) to (n, max), then down to max / 10 at the last step, then flat', () => {
    const lr = warmupLinearDecay(4, 1, 14);
    // warm-up: step / 4; decay over steps 5..14: 1 - 0.9 * (step - 4) / 10
    const want = [0, 0.25, 0.5, 0.75, 1, 0.91, 0.55, 0.1, 0.1];
    [0, 1, 2, 3, 4, 5, 9, 14, 100].forEach((step, i) => expect(lr(step)).toBeCloseTo(want[i]!, 12));
    // No warm-up: the decay starts at step 1, 1 - 0.9 * step / 10.
    const noWarmup = warmupLinearDecay(0, 2, 10);
    expect([1, 5, 10].map(noWarmup).map((v) => +v.toFixed(12))).toEqual([1.82, 1.1, 0.2]);
    expect(() => warmupLinearDecay(-1, 1, 10)).toThrow(/warmupLinearDecay: nWarmupSteps must be a finite number >= 0, got -1/);
    expect(() => warmupLinearDecay(1, NaN, 10)).toThrow(/maxValue must be a finite number >= 0, got NaN/);
  });

  test("multifactor with Trax's default factors 'constant * linear_warmup * rsqrt_decay'", () => {
    const lr = multifactor({ constant: 2, warmupSteps: 100 });
    expect(lr(10)).toBeCloseTo(2 * 0.1 * (1 / 10), 12); // rsqrt of max(10, 100)
    expect(lr(100)).toBeCloseTo(2 * 1 * 0.1, 12);
    expect(lr(400)).toBeCloseTo(2 * 1 * (1 / 20), 12);
    const defaults = multifactor();
    expect(defaults(400)).toBeCloseTo(0.1 * 1 * (1 / 20), 12);
  });

  test('multifactor: cosine_decay, decay_every, rsqrt_normalized_decay, minimum', () => {
    const cosine = multifactor({ factors: 'constant * cosine_decay', constant: 1, warmupSteps: 10, stepsPerCycle: 100 });
    expect(cosine(5)).toBeCloseTo(1, 12); // before warm-up ends: progress 0
    expect(cosine(60)).toBeCloseTo(0.5, 12); // half a cycle: cos(pi/2) = 0
    expect(cosine(35)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(cosine(110)).toBeCloseTo(1, 12); // a new cycle starts
    const stepped = multifactor({ factors: 'constant*decay_every', constant: 8, decayFactor: 0.5, stepsPerDecay: 10 });
    expect([9, 10, 25, 30].map(stepped)).toEqual([8, 4, 2, 1]);
    const normalized = multifactor({ factors: 'rsqrt_normalized_decay', warmupSteps: 4 });
    expect([1, 4, 16].map(normalized)).toEqual([1, 1, 0.5]);
    const floored = multifactor({ factors: 'constant * decay_every', constant: 1, stepsPerDecay: 1, decayFactor: 0.1, minimum: 0.01 });
    expect(floored(5)).toBe(0.01);
  });

  test('multifactor refuses an unknown factor when made', () => {
    expect(() => multifactor({ factors: 'constant * cosine_deay' })).toThrow(/unknown factor 'cosine_deay'/);
  });
});
