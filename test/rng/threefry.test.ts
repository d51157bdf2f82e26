import { tf } from '../../src/backend/tf.js';
import { foldIn, makeKey, permutation, randomBits, splitKey, threefry2x32 } from '../../src/rng/key.js';
import { bernoulli, normal, uniform } from '../../src/rng/random.js';
import { describeOnBackends } from '../helpers/backends.js';

const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(8, '0'));

test('Threefry-2x32-20 reproduces the Random123 known-answer vectors', () => {
  expect(hex(threefry2x32(0, 0, 0, 0))).toEqual(['6b200159', '99ba4efe']);
  expect(hex(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))).toEqual(['1cb996fc', 'bb002be7']);
  expect(hex(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3))).toEqual(['c4923a9c', '483df7a0']);
});

test('keys are deterministic, and split/foldIn give distinct keys', () => {
  const key = makeKey(42);
  expect(splitKey(key, 3)).toEqual(splitKey(makeKey(42), 3));
  const [a, b] = splitKey(key);
  expect(a).not.toEqual(b);
  expect(foldIn(key, 1)).not.toEqual(foldIn(key, 2));
  expect(foldIn(key, 1)).toEqual(foldIn(makeKey(42), 1));
  expect(Array.from(randomBits(key, 5))).toEqual(Array.from(randomBits(makeKey(42), 5)));
  expect(Array.from(randomBits(makeKey(1), 4))).not.toEqual(Array.from(randomBits(makeKey(2), 4)));
  expect(() => makeKey(-1)).toThrow(/non-negative safe integer/);
  expect(() => splitKey([1, 2, 3] as unknown as [number, number])).toThrow(/random key/);
});

test('randomBits(key, n) is threefry2x32(key, (c, 2^31)) for counters c = 0, 1, ..., two words each', () => {
  for (const [key, n] of [
    [makeKey(0), 1],
    [makeKey(42), 7],
    [[0xffffffff, 0x80000001] as const, 10],
    [[0x13198a2e, 0xfedcba98] as const, 1001],
  ] as const) {
    const want: number[] = [];
    for (let c = 0; want.length < n; c++) want.push(...threefry2x32(key[0], key[1], c, 0x80000000));
    expect(Array.from(randomBits(key, n))).toEqual(want.slice(0, n));
  }
});

test('permutation is a seeded permutation', () => {
  const p = permutation(makeKey(7), 100);
  expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  expect(permutation(makeKey(7), 100)).toEqual(p);
  expect(permutation(makeKey(8), 100)).not.toEqual(p);
});

describeOnBackends('random tensors', () => {
  test('uniform, normal and bernoulli have the right moments and are bit-identical across calls', () => {
    const key = makeKey(3);
    const u = uniform(key, [20000]);
    const n = normal(key, [20000]);
    const b = bernoulli(key, 0.3, [20000]);
    const mean = (t: tf.Tensor) => t.mean().dataSync()[0]!;
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.01);
    expect(u.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(u.max().dataSync()[0]).toBeLessThan(1);
    expect(Math.abs(mean(n))).toBeLessThan(0.03);
    expect(Math.abs(mean(n.square()) - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean(b) - 0.3)).toBeLessThan(0.01);
    expect(Array.from(normal(key, [8]).dataSync())).toEqual(Array.from(normal(makeKey(3), [8]).dataSync()));
    tf.dispose([u, n, b]);
  });
});
