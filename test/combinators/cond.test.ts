import { tf } from '../../src/backend/tf.js';
import { Cond } from '../../src/combinators/cond.js';
import { Dense } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';

const isPositive = () => Fn('IsPositive', (c) => c.greater(0), 1, { outputSignature: () => shapeDtype([], 'bool') });
const timesTen = () => Fn('TimesTen', (x) => x.mul(10), 1, { outputSignature: (s) => s });
const minusOne = () => Fn('MinusOne', (x) => x.sub(1), 1, { outputSignature: (s) => s });

describeOnBackends('Cond', () => {
  test('consumes the condition input and runs the true or the false branch', () => {
    const layer = Cond(isPositive(), timesTen(), minusOne());
    expect([layer.nIn, layer.nOut]).toEqual([2, 1]);
    const x = tf.tensor1d([1, 2]);
    expectClose(layer.call([tf.scalar(3), x]) as Tensor, [10, 20]);
    expectClose(layer.call([tf.scalar(-3), x]) as Tensor, [0, 1]);
  });

  test('the false branch defaults to the identity', () => {
    const layer = Cond(isPositive(), timesTen());
    expectClose(layer.call([tf.scalar(0), tf.tensor1d([4])]) as Tensor, [4]);
    expectClose(layer.call([tf.scalar(1), tf.tensor1d([4])]) as Tensor, [40]);
  });

  test('both branches are initialised; signatures match; gradients flow through the chosen branch', () => {
    const layer = Cond(isPositive(), Dense(3), Dense(3));
    expect(expectSignatureMatchesOutput(layer, [tf.scalar(1), randn([2, 4], 1)])).toEqual(shapeDtype([2, 3]));
    expect(Object.keys(layer.weights)).toEqual(['0', '1', '2']);
    expect(((layer.weights['2'] as Record<string, Tensor>)['w'] as Tensor).shape).toEqual([4, 3]);
    // Only the chosen branch's weights receive a gradient (tf.grads refuses the unused ones).
    expectLayerGradientsMatch(layer, [tf.scalar(1, 'int32'), randn([2, 4], 2)], { weightFilter: (p) => p.startsWith('1/') });
    expectLayerGradientsMatch(layer, [tf.scalar(-1, 'int32'), randn([2, 4], 3)], { weightFilter: (p) => p.startsWith('2/') });
  });

  test('branches of different signatures or arities are refused, naming Cond', () => {
    const mismatched = Cond(isPositive(), Dense(3), Dense(4));
    expect(() => mismatched.init([shapeDtype([]), shapeDtype([2, 4])])).toThrow(LayerError);
    expect(() => mismatched.init([shapeDtype([]), shapeDtype([2, 4])])).toThrow(/Cond.*different signatures/);
    expect(() =>
      Cond(
        isPositive(),
        Fn('Add', (a, b) => a.add(b)),
      ),
    ).toThrow(/branches differ in arity/);
  });
});
