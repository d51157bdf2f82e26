import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import { Swap } from '../../src/combinators/select.js';
import { SubtractTop } from '../../src/combinators/subtract_top.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from '../layers/layer_checks.js';

describeOnBackends('SubtractTop', () => {
  test('is 2 -> 1 and broadcasts its signature', () => {
    const layer = SubtractTop();
    expect([layer.name, layer.nIn, layer.nOut]).toEqual(['SubtractTop', 2, 1]);
    expect(expectSignatureMatchesOutput(SubtractTop(), [randn([3], 1), randn([2, 3], 2)])).toEqual(shapeDtype([2, 3]));
  });

  test('hand-computed value: a, b -> b - a (the top is subtracted)', () => {
    expectClose(SubtractTop().call([tf.tensor1d([1, 2]), tf.tensor1d([10, 20])]) as Tensor, [9, 18]);
  });

  test('stack semantics: after a Swap it subtracts the other way; items below pass through', () => {
    const layer = Serial(Swap(), SubtractTop());
    expect([layer.nIn, layer.nOut]).toEqual([2, 1]);
    expect(flat(layer.call([tf.tensor1d([1]), tf.tensor1d([10])]) as Tensor)).toEqual([-9]);
    const deeper = Serial(SubtractTop(), SubtractTop());
    expect([deeper.nIn, deeper.nOut]).toEqual([3, 1]);
    // a, b, c -> (b - a), c -> c - (b - a)
    expect(flat(deeper.call([tf.tensor1d([1]), tf.tensor1d([10]), tf.tensor1d([100])]) as Tensor)).toEqual([91]);
  });

  test('gradients match finite differences', () => {
    expectLayerGradientsMatch(SubtractTop(), [randn([2, 3], 3), randn([2, 3], 4)]);
  });
});
