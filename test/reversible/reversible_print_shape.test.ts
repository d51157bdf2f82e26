import { tf } from '../../src/backend/tf.js';
import { Dense } from '../../src/layers/core/dense.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { ReversibleHalfResidual, ReversiblePrintShape, ReversibleSerial } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput } from '../layers/layer_checks.js';
import { lossGrads, maxAbsDiff, randn } from './helpers.js';

const K = makeKey(0);

describeOnBackends('ReversiblePrintShape', () => {
  test('prints the shapes and dtypes of its items as Trax does, and passes them on', () => {
    const lines: string[] = [];
    const layer = ReversiblePrintShape({ nIn: 3, msg: 'here', print: (l) => lines.push(l) });
    expect([layer.name, layer.nIn, layer.nOut]).toEqual(['ReversiblePrintShape', 3, 3]);
    const xs = [tf.zeros([2, 3]), tf.zeros([4], 'int32'), tf.scalar(1)];
    const sig = expectSignatureMatchesOutput(layer, xs);
    expect(sig).toEqual([shapeDtype([2, 3]), shapeDtype([4], 'int32'), shapeDtype([])]);
    const out = layer.call(xs) as Tensor[];
    out.forEach((t, i) => expect(t).toBe(xs[i]));
    expect(lines[lines.length - 1]).toBe('PrintShape: here: [(2, 3)[float32], (4,)[int32], ()[float32]]');
  });

  test('reverse and reverseAndGrad are identities and print nothing', () => {
    const lines: string[] = [];
    const layer = ReversiblePrintShape({ print: (l) => lines.push(l) });
    const x = randn(1, [2, 2]);
    const ct = randn(2, [2, 2]);
    expect(layer.reverse(x, {}, {}, K)).toBe(x);
    const [xr, xct, wg] = layer.reverseAndGrad(x, ct, {}, {}, K);
    expect([xr, xct, wg]).toEqual([x, ct, {}]);
    expect(lines).toEqual([]);
  });

  test('gradients match finite differences (the identity), also inside a ReversibleSerial', () => {
    const quiet = () => ReversiblePrintShape({ nIn: 2, print: () => undefined });
    expectLayerGradientsMatch(quiet(), [randn(3, [2, 3]), randn(4, [2, 3])]);
    const stack = ReversibleSerial(quiet(), ReversibleHalfResidual(Dense(3)), quiet());
    const inputs = [randn(5, [2, 3]), randn(6, [2, 3])];
    stack.init(inputs.map((t) => shapeDtype(t.shape)));
    const reversible = lossGrads(stack, inputs, stack.weights, stack.state, K);
    stack.reversibleBackward = false;
    expect(maxAbsDiff(reversible, lossGrads(stack, inputs, stack.weights, stack.state, K))).toBeLessThan(1e-6);
  });
});
