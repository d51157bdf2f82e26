import { tf } from '../../src/backend/tf.js';
import { FastGelu, Gelu, LogSoftmax, Relu, Sigmoid, Softmax, Tanh } from '../../src/layers/core/index.js';
import type { FnLayer } from '../../src/core/fn.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from './layer_checks.js';

/** Inputs away from 0, so that Relu's kink stays outside the finite-difference step. */
const awayFromZero = () =>
  tf.tensor2d([
    [-1.5, -0.4, 0.3, 2.1],
    [0.7, -2.2, 1.1, -0.9],
  ]);

const all: Array<[string, () => FnLayer]> = [
  ['Relu', Relu],
  ['Gelu', Gelu],
  ['FastGelu', FastGelu],
  ['Sigmoid', Sigmoid],
  ['Tanh', Tanh],
  ['Softmax', () => Softmax()],
  ['LogSoftmax', () => LogSoftmax()],
  ['Softmax(axis 0)', () => Softmax(0)],
  ['LogSoftmax(axis 1 of 3)', () => LogSoftmax(1)],
];

describeOnBackends('activations', () => {
  test.each(all)('%s keeps the shape and its gradient matches finite differences', (_name, make) => {
    const x = _name.includes('of 3') ? randn([2, 3, 4], 3) : awayFromZero();
    expect(expectSignatureMatchesOutput(make(), x)).toEqual(shapeDtype(x.shape));
    expectLayerGradientsMatch(make(), x);
  });

  test('names are as in Trax', () => {
    expect(all.slice(0, 7).map(([, make]) => make().name)).toEqual([
      'Relu',
      'Gelu',
      'FastGelu',
      'Sigmoid',
      'Tanh',
      'Softmax',
      'LogSoftmax',
    ]);
  });

  test('hand-computed values of Relu, Sigmoid, Tanh', () => {
    const x = tf.tensor1d([-2, 0, 3]);
    expectClose(Relu().call(x) as Tensor, [0, 0, 3]);
    expectClose(Sigmoid().call(x) as Tensor, [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))]);
    expectClose(Tanh().call(x) as Tensor, [Math.tanh(-2), 0, Math.tanh(3)]);
  });

  test('Gelu is exact (x·Φ(x)): Gelu(1) = 0.8413447, Gelu(-1) = -0.1586553; FastGelu is within 1e-3', () => {
    const x = tf.tensor1d([-1, 0, 1, 2]);
    const exact = [-0.15865525, 0, 0.84134475, 1.95449974];
    expectClose(Gelu().call(x) as Tensor, exact, 1e-6);
    expectClose(FastGelu().call(x) as Tensor, exact, 1e-3);
    // FastGelu's own formula at 1: 0.5 (1 + tanh(sqrt(2/pi) (1 + 0.044715))) = 0.8411920
    expect((FastGelu().call(tf.tensor1d([1])) as Tensor).dataSync()[0]).toBeCloseTo(0.841192, 5);
  });

  test('LogSoftmax of [0, ln 2, ln 5] is [ln 1/8, ln 2/8, ln 5/8]; Softmax gives [1/8, 2/8, 5/8]', () => {
    const x = tf.tensor1d([0, Math.log(2), Math.log(5)]);
    expectClose(LogSoftmax().call(x) as Tensor, [Math.log(1 / 8), Math.log(2 / 8), Math.log(5 / 8)], 1e-6);
    expectClose(Softmax().call(x) as Tensor, [1 / 8, 2 / 8, 5 / 8], 1e-6);
  });

  test('Softmax and LogSoftmax are numerically stable for large inputs', () => {
    const x = tf.tensor2d([
      [1000, 1000],
      [1000, 0],
      [-1000, -1000],
    ]);
    expectClose(
      Softmax().call(x) as Tensor,
      [
        [0.5, 0.5],
        [1, 0],
        [0.5, 0.5],
      ],
      1e-6,
    );
    expectClose(
      LogSoftmax().call(x) as Tensor,
      [
        [-Math.LN2, -Math.LN2],
        [0, -1000],
        [-Math.LN2, -Math.LN2],
      ],
      1e-4,
    );
  });

  test('Softmax along a non-last axis normalises that axis', () => {
    const x = randn([3, 2], 4);
    const y = Softmax(0).call(x) as Tensor;
    expectClose(y.sum(0), [1, 1], 1e-6);
    expectClose(y, tf.softmax(x.transpose()).transpose(), 1e-6);
    expect(() => Softmax(2).call(x)).toThrow(/Softmax.*axis 2 is out of range/);
  });
});
