import { tf } from '../../src/backend/tf.js';
import { foldIn, makeKey, permutation, randomBits, splitKey } from '../../src/rng/key.js';
import { bernoulli, normal, uniform } from '../../src/rng/random.js';
import { describeOnBackends } from '../helpers/backends.js';

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('keys', () => {
  test('makeKey, splitKey and foldIn are deterministic and give distinct keys', () => {
    const key = makeKey(42);
    expect(splitKey(key, 3)).toEqual(splitKey(key, 3));
    const [a, b, c] = splitKey(key, 3);
    expect(new Set([a, b, c].map((k) => k!.join()))).toHaveProperty('size', 3);
    expect(foldIn(key, 5)).toEqual(foldIn(key, 5));
    expect(foldIn(key, 5)).not.toEqual(foldIn(key, 6));
    expect(foldIn(key, 0)).not.toEqual(splitKey(key, 1)[0]);
    expect(makeKey(2 ** 40)).toEqual([2 ** 8, 0]);
  });

  test('bad keys and seeds are refused', () => {
    expect(() => makeKey(-1)).toThrow(RangeError);
    expect(() => makeKey(1.5)).toThrow(RangeError);
    expect(() => splitKey([1, -1] as unknown as [number, number])).toThrow(TypeError);
    expect(() => randomBits([1] as unknown as [number, number], 2)).toThrow(TypeError);
  });

  test('permutation is a seeded permutation of 0..n-1', () => {
    const p = permutation(makeKey(3), 50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(permutation(makeKey(3), 50)).toEqual(p);
    expect(permutation(makeKey(4), 50)).not.toEqual(p);
  });
});

describeOnBackends('random tensors', () => {
  test('uniform lies in [min, max) with the right mean; same key, same bits', () => {
    const u = values(uniform(makeKey(1), [4000], -2, 3));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.1);
    expect(values(uniform(makeKey(1), [4000], -2, 3))).toEqual(u);
  });

  test('normal has mean 0 and the given standard deviation', () => {
    const z = values(normal(makeKey(2), [4000], 3));
    const m = mean(z);
    const sd = Math.sqrt(mean(z.map((v) => (v - m) ** 2)));
    expect(Math.abs(m)).toBeLessThan(0.15);
    expect(Math.abs(sd - 3)).toBeLessThan(0.15);
  });

  test('bernoulli(p) gives 0/1 with frequency p', () => {
    const b = values(bernoulli(makeKey(3), 0.3, [2, 2000]));
    expect(new Set(b)).toEqual(new Set([0, 1]));
    expect(Math.abs(mean(b) - 0.3)).toBeLessThan(0.03);
    expect(values(bernoulli(makeKey(3), 0.3, [2, 2000]))).toEqual(b);
  });
});
