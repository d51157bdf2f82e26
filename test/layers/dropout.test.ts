import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Dropout } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from './layer_checks.js';

describeOnBackends('Dropout', () => {
  test('output signature matches the output', () => {
    expect(expectSignatureMatchesOutput(Dropout(0.5), tf.ones([2, 3, 4]))).toEqual(shapeDtype([2, 3, 4]));
  });

  test('in train mode keeps about 1 - rate of the values, scaled by 1 / (1 - rate)', () => {
    const layer = Dropout(0.25);
    const y = layer.pureFn(tf.ones([4000]), {}, {}, makeKey(1))[0] as Tensor;
    const values = flat(y);
    expect(new Set(values.map((v) => v.toFixed(5)))).toEqual(new Set(['0.00000', (1 / 0.75).toFixed(5)]));
    const kept = values.filter((v) => v !== 0).length / values.length;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.03);
    // The expected value is unchanged.
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length - 1)).toBeLessThan(0.05);
  });

  test('the mask depends only on the key: same key, same mask; another key, another mask', () => {
    const layer = Dropout(0.5);
    const x = tf.ones([64]);
    const a = flat(layer.pureFn(x, {}, {}, makeKey(3))[0] as Tensor);
    const b = flat(layer.pureFn(x, {}, {}, makeKey(3))[0] as Tensor);
    const c = flat(layer.pureFn(x, {}, {}, makeKey(4))[0] as Tensor);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('is the identity in eval and predict modes, and for rate 0', () => {
    const x = randn([3, 4], 1);
    for (const mode of ['eval', 'predict'] as const) {
      expect(flat(Dropout(0.9, { mode }).pureFn(x, {}, {}, makeKey(0))[0] as Tensor)).toEqual(flat(x));
      const model = Serial(Dense(2), Dropout(0.9));
      model.mode = mode;
      expect((model.sublayers[1] as { mode: string }).mode).toBe(mode);
    }
    expect(flat(Dropout(0).pureFn(x, {}, {}, makeKey(0))[0] as Tensor)).toEqual(flat(x));
  });

  test('sharedAxes broadcast the mask: whole columns are kept or dropped', () => {
    const y = Dropout(0.5, { sharedAxes: [0] }).pureFn(tf.ones([5, 40]), {}, {}, makeKey(9))[0] as Tensor;
    const rows = y.arraySync() as number[][];
    for (const row of rows) expect(row).toEqual(rows[0]);
    expect(new Set(rows[0])).toEqual(new Set([0, 2]));
    const negative = Dropout(0.5, { sharedAxes: [-1] }).pureFn(tf.ones([5, 40]), {}, {}, makeKey(9))[0] as Tensor;
    for (const row of negative.arraySync() as number[][]) expect(new Set(row).size).toBe(1);
  });

  test('gradient matches finite differences (the mask is fixed by the key)', () => {
    const layer = Dropout(0.3);
    layer.init(shapeDtype([3, 4]));
    expectLayerGradientsMatch(layer, randn([3, 4], 2), { rng: makeKey(5) });
  });

  test('refuses a rate outside [0, 1)', () => {
    expect(() => Dropout(1)).toThrow(RangeError);
    expect(() => Dropout(-0.1)).toThrow(RangeError);
  });
});
