import { tf } from '../../src/backend/tf.js';
import { Scan } from '../../src/combinators/scan.js';
import { Fn } from '../../src/core/fn.js';
import { GRU, LSTM } from '../../src/rnn/recurrent.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { randn } from '../layers/layer_checks.js';

const addWithCarry = () =>
  Fn(
    'AddWithCarry',
    (x, carry) => {
      const r = tf.add(x, carry);
      return [r, r];
    },
    2,
  );
const list = (s: Tensor | Tensor[]) => (Array.isArray(s) ? s : [s]).map((t) => t.arraySync());

describeOnBackends('Scan in mode predict', () => {
  // trax/layers/combinators_test.py::ScanTest::test_predict
  test('keeps its carry between calls (Trax test_predict)', () => {
    const layer = Scan(addWithCarry(), { axis: 1 });
    layer.mode = 'predict';
    expect(list(layer.call([tf.tensor2d([[0, 1, 2]]), tf.tensor1d([90])]))).toEqual([[[90, 91, 93]], [93]]);
    expect(list(layer.call([tf.tensor2d([[3, 4]]), tf.tensor1d([90])]))).toEqual([[[96, 100]], [100]]);
  });

  test('outside predict mode each call starts from the carry it is given', () => {
    const layer = Scan(addWithCarry(), { axis: 1 });
    layer.mode = 'eval';
    layer.call([tf.tensor2d([[0, 1, 2]]), tf.tensor1d([90])]);
    expect(list(layer.call([tf.tensor2d([[3, 4]]), tf.tensor1d([90])]))).toEqual([[[93, 97]], [97]]);
  });

  test.each([
    ['LSTM', () => LSTM(5)],
    ['GRU', () => GRU(5)],
  ])('%s fed in pieces in predict mode equals the whole sequence', (_, make) => {
    const x = randn([2, 7, 3], 4);
    const whole = make();
    whole.init(shapeDtype([2, 7, 3]), { seed: 1 });
    whole.mode = 'eval';
    const expected = whole.call(x) as Tensor;
    const pieces = make();
    pieces.mode = 'predict';
    pieces.init(shapeDtype([2, 7, 3]), { seed: 1 });
    const got = tf.concat(
      [0, 3, 4].map((at, i) => pieces.call(tf.slice(x, [0, at, 0], [2, [3, 1, 3][i]!, 3])) as Tensor),
      1,
    );
    expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5);
  });
});
