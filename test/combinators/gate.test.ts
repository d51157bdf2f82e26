import { tf } from '../../src/backend/tf.js';
import { Gate } from '../../src/combinators/gate.js';
import { Serial } from '../../src/combinators/serial.js';
import { Select } from '../../src/combinators/select.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from '../layers/layer_checks.js';

describeOnBackends('Gate', () => {
  test('is 3 -> 1 and broadcasts its signature', () => {
    const gate = Gate();
    expect([gate.name, gate.nIn, gate.nOut]).toEqual(['Gate', 3, 1]);
    const sig = expectSignatureMatchesOutput(Gate(), [randn([2, 3], 1), randn([3], 2), randn([1, 3], 3)]);
    expect(sig).toEqual(shapeDtype([2, 3]));
  });

  test('hand-computed value: g m + (1 - g) c', () => {
    const y = Gate().call([tf.tensor1d([10, 10, 10, 10]), tf.tensor1d([1, 0, 0.5, 0.25]), tf.tensor1d([2, 2, 2, 2])]) as Tensor;
    // 10, 2, 5 + 1, 2.5 + 1.5
    expectClose(y, [10, 2, 6, 4]);
  });

  test('stack semantics: takes memory, gate, candidate from the top and leaves the items below', () => {
    const layer = Serial(Select([0, 1, 2, 3]), Gate());
    expect([layer.nIn, layer.nOut]).toEqual([4, 2]);
    const out = layer.call([tf.tensor1d([4]), tf.tensor1d([0.5]), tf.tensor1d([8]), tf.tensor1d([99])]) as Tensor[];
    expect(out.map((t) => flat(t))).toEqual([[6], [99]]);
  });

  test('gradients match finite differences (memory, gate and candidate)', () => {
    expectLayerGradientsMatch(Gate(), [randn([2, 3], 4), tf.sigmoid(randn([2, 3], 5)), randn([2, 3], 6)]);
  });
});
