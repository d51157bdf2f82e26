import { tf } from '../../src/backend/tf.js';
import {
  Constant,
  fans,
  GlorotNormal,
  GlorotUniform,
  type Initializer,
  KaimingNormal,
  KaimingUniform,
  LeCunNormal,
  LeCunUniform,
  Ones,
  Orthogonal,
  RandomNormal,
  RandomUniform,
  Scaled,
  VarianceScaling,
  Zeros,
} from '../../src/layers/initializers.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { flat } from './layer_checks.js';

function moments(values: number[]): { mean: number; std: number; maxAbs: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), maxAbs: Math.max(...values.map(Math.abs)) };
}

describeOnBackends('initializers', () => {
  test('fans follow Trax: [.., fanIn, fanOut] times the receptive field; vectors and scalars', () => {
    expect(fans([30, 50])).toEqual({ fanIn: 30, fanOut: 50 });
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(fans([30, 50], { inDim: -1, outDim: -2 })).toEqual({ fanIn: 50, fanOut: 30 });
  });

  test('every initializer gives float32 of the shape, bit-identical for the same key, different for another', () => {
    const all: Initializer[] = [
      GlorotUniform(),
      GlorotNormal(),
      LeCunNormal(),
      LeCunUniform(),
      KaimingNormal(),
      KaimingUniform(),
      RandomNormal(),
      RandomUniform(),
      VarianceScaling({ distribution: 'truncated_normal' }),
      Orthogonal(),
      Scaled(GlorotUniform(), 2),
    ];
    for (const init of all) {
      const a = init(makeKey(1), [20, 30]);
      expect(a.shape).toEqual([20, 30]);
      expect(a.dtype).toBe('float32');
      expect(flat(init(makeKey(1), [20, 30]))).toEqual(flat(a));
      expect(flat(init(makeKey(2), [20, 30]))).not.toEqual(flat(a));
    }
  });

  test('Glorot uniform: |w| <= sqrt(6 / (fanIn + fanOut)) and std sqrt(2 / (fanIn + fanOut))', () => {
    const w = flat(GlorotUniform()(makeKey(3), [200, 300]));
    const { mean, std, maxAbs } = moments(w);
    expect(maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeCloseTo(Math.sqrt(2 / 500), 3);
  });

  test('normal-family standard deviations: Glorot, LeCun, Kaiming, RandomNormal, truncated normal', () => {
    const shape = [200, 300];
    expect(moments(flat(GlorotNormal()(makeKey(4), shape))).std).toBeCloseTo(Math.sqrt(2 / 500), 3);
    expect(moments(flat(LeCunNormal()(makeKey(5), shape))).std).toBeCloseTo(Math.sqrt(1 / 200), 3);
    expect(moments(flat(KaimingNormal()(makeKey(6), shape))).std).toBeCloseTo(Math.sqrt(2 / 200), 3);
    expect(moments(flat(RandomNormal()(makeKey(7), shape))).std).toBeCloseTo(0.01, 3);
    const truncated = moments(flat(VarianceScaling({ mode: 'fan_in', distribution: 'truncated_normal' })(makeKey(8), shape)));
    expect(truncated.std).toBeCloseTo(Math.sqrt(1 / 200), 3);
    expect(truncated.maxAbs).toBeLessThanOrEqual((2 * Math.sqrt(1 / 200)) / 0.87962566103423978 + 1e-6);
  });

  test('RandomUniform(lim) lies in [-lim, lim); Zeros, Ones, Constant, Scaled', () => {
    const u = moments(flat(RandomUniform(0.5)(makeKey(9), [1000])));
    expect(u.maxAbs).toBeLessThanOrEqual(0.5);
    expect(flat(Zeros()(makeKey(0), [2, 2]))).toEqual([0, 0, 0, 0]);
    expect(flat(Ones()(makeKey(0), [3]))).toEqual([1, 1, 1]);
    expect(flat(Constant(2.5)(makeKey(0), [2]))).toEqual([2.5, 2.5]);
    expect(flat(Scaled(Ones(), -3)(makeKey(0), [2]))).toEqual([-3, -3]);
  });

  test('Orthogonal gives orthonormal columns (tall) or rows (wide)', () => {
    for (const shape of [
      [6, 3],
      [3, 6],
    ]) {
      const q = Orthogonal()(makeKey(10), shape);
      const gram = shape[0]! >= shape[1]! ? tf.matMul(q, q, true, false) : tf.matMul(q, q, false, true);
      const eye = tf.eye(3);
      expect(tf.max(tf.abs(tf.sub(gram, eye))).dataSync()[0]).toBeLessThan(1e-5);
    }
  });

  test('bad arguments are refused', () => {
    expect(() => VarianceScaling({ scale: 0 })).toThrow(RangeError);
    expect(() => VarianceScaling({ mode: 'fan_sum' as never })).toThrow(RangeError);
    expect(() => GlorotUniform()(makeKey(0), [2, -1])).toThrow(TypeError);
  });
});
