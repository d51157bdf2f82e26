import { tf } from '../../src/backend/tf.js';
import { Dup } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Dropout, LayerNorm } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { shapeDtype } from '../../src/core/stack.js';
import { mapTree, treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import {
  ReversibleHalfResidual,
  ReversibleHalfResidualLayer,
  ReversibleSerial,
  type ReversibleSerialLayer,
  ReversibleSwap,
} from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose, expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { lossGrads, maxAbsDiff, randn } from './helpers.js';

const D = 8;

/** One reversible block: an attention-like half residual (with a mask) and a feed-forward one, each followed by a swap. */
function maskedBlock(dropout: number) {
  const maskedMix = Fn('MaskedMix', (x, m) => [tf.tanh(x).mul(tf.cast(m, 'float32')), m], 2);
  return [
    ReversibleHalfResidual(LayerNorm(), Dense(D), Dropout(dropout), { attentionLayer: maskedMix }),
    ReversibleSwap(),
    ReversibleHalfResidual(
      LayerNorm(),
      Dense(2 * D),
      Dropout(dropout),
      Fn('Relu', (x) => tf.relu(x)),
      Dense(D),
      Dropout(dropout),
    ),
    ReversibleSwap(),
  ];
}

function plainBlock(dropout: number) {
  return [
    ReversibleHalfResidual(
      LayerNorm(),
      Dense(D),
      Dropout(dropout),
      Fn('Tanh', (x) => tf.tanh(x)),
    ),
    ReversibleSwap(),
    ReversibleHalfResidual(LayerNorm(), Dense(D), Dropout(dropout)),
    ReversibleSwap(),
  ];
}

function withBackward(layer: ReversibleSerialLayer, reversible: boolean, f: () => Tensor[]): Tensor[] {
  const before = layer.reversibleBackward;
  layer.reversibleBackward = reversible;
  try {
    return f();
  } finally {
    layer.reversibleBackward = before;
  }
}

describeOnBackends('ReversibleSerial', () => {
  test('arity and shape: init infers the output signature, which the real output has', () => {
    const stack = ReversibleSerial(maskedBlock(0.1), maskedBlock(0.1));
    expect([stack.nIn, stack.nOut]).toEqual([3, 3]);
    const sig = [shapeDtype([2, 5, D]), shapeDtype([2, 5, D]), shapeDtype([2, 5, 1], 'bool')];
    const { outputSignature } = stack.init(sig, { seed: 1 });
    expect(outputSignature).toEqual(sig);
    const out = stack.call([randn(1, [2, 5, D]), randn(2, [2, 5, D]), tf.ones([2, 5, 1], 'bool')]) as Tensor[];
    expect(out.map((o) => [o.dtype, o.shape])).toEqual(sig.map((s) => [s.dtype, s.shape]));
  });

  test('refuses a layer that is not reversible', () => {
    expect(() => ReversibleSerial(ReversibleSwap(), Dense(3))).toThrow(/sublayer 1 \(Dense_3\) is not reversible/);
  });

  test('gradient equivalence: 4 blocks with dropout on, reversible backward vs ordinary backward (<= 1e-4)', () => {
    const stack = ReversibleSerial(maskedBlock(0.2), maskedBlock(0.2), maskedBlock(0.2), maskedBlock(0.2));
    stack.mode = 'train';
    const [B, L] = [2, 6];
    stack.init([shapeDtype([B, L, D]), shapeDtype([B, L, D]), shapeDtype([B, L, 1], 'bool')], { seed: 4 });
    const mask = tf.tensor([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0], [B, L, 1], 'bool');
    const inputs = [randn(20, [B, L, D]), randn(21, [B, L, D]), mask];
    const rng = makeKey(123);
    const spy = jest.spyOn(ReversibleHalfResidualLayer.prototype, 'reverseAndGrad');
    const reversible = withBackward(stack, true, () => lossGrads(stack, inputs, stack.weights, stack.state, rng));
    expect(spy).toHaveBeenCalledTimes(8);
    spy.mockClear();
    const ordinary = withBackward(stack, false, () => lossGrads(stack, inputs, stack.weights, stack.state, rng));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(reversible.length).toBe(2 + treeLeaves(stack.weights).length);
    const diff = maxAbsDiff(reversible, ordinary);
    expect(diff).toBeLessThanOrEqual(1e-4);
    // Dropout really is on: the gradients differ from those of the same stack in eval mode.
    stack.mode = 'eval';
    const evalGrads = lossGrads(stack, inputs, stack.weights, stack.state, rng);
    stack.mode = 'train';
    expect(maxAbsDiff(reversible, evalGrads)).toBeGreaterThan(1e-3);
    tf.dispose([...reversible, ...ordinary, ...evalGrads]);
  });

  test('an input reached twice (after Dup) and a nested ReversibleSerial get the ordinary gradients', () => {
    const inner = ReversibleSerial(plainBlock(0.1), plainBlock(0.1), { name: 'Inner' });
    const stack = ReversibleSerial(inner, plainBlock(0.1), plainBlock(0.1));
    const model = Serial(
      Dup(),
      stack,
      Fn('Mean', (a, b) => a.add(b).div(2)),
    );
    model.init(shapeDtype([3, 4, D]), { seed: 8 });
    const x = randn(30, [3, 4, D]);
    const rng = makeKey(5);
    const reversible = lossGrads(model, [x], model.weights, model.state, rng);
    stack.reversibleBackward = false;
    inner.reversibleBackward = false;
    const ordinary = lossGrads(model, [x], model.weights, model.state, rng);
    expect(maxAbsDiff(reversible, ordinary)).toBeLessThanOrEqual(1e-4);
  });

  test('reconstruction: reversing a 12-block stack reproduces its input within 1e-4', () => {
    const blocks = Array.from({ length: 12 }, () => plainBlock(0.1));
    const stack = ReversibleSerial(...blocks);
    expect(stack.sublayers.length).toBe(48);
    const sig = [shapeDtype([2, 16, D]), shapeDtype([2, 16, D])];
    stack.init(sig, { seed: 12 });
    const x = [randn(40, [2, 16, D]), randn(41, [2, 16, D])];
    const rng = makeKey(77);
    const [y] = stack.pureFn(x, stack.weights, stack.state, rng);
    const back = stack.reverse(y, stack.weights, stack.state, rng) as Tensor[];
    expect(maxAbsDiff(back, x)).toBeLessThanOrEqual(1e-4);
    // With another key the dropout masks differ and the input is not recovered.
    const wrong = stack.reverse(y, stack.weights, stack.state, makeKey(78)) as Tensor[];
    expect(maxAbsDiff(wrong, x)).toBeGreaterThan(1e-2);
  });

  test('reverseAndGrad of the whole stack equals the ordinary gradients (used when stacks nest)', () => {
    const stack = ReversibleSerial(plainBlock(0.2), plainBlock(0.2));
    stack.init([shapeDtype([2, 3, D]), shapeDtype([2, 3, D])], { seed: 3 });
    const x = [randn(50, [2, 3, D]), randn(51, [2, 3, D])];
    const rng = makeKey(9);
    stack.reversibleBackward = false;
    const expected = lossGrads(stack, x, stack.weights, stack.state, rng);
    const [y] = stack.pureFn(x, stack.weights, stack.state, rng);
    const ct = [randn(77, [2, 3, D]), randn(78, [2, 3, D])];
    const [back, xct, wg] = stack.reverseAndGrad(y, ct, stack.weights, stack.state, rng);
    expect(maxAbsDiff(back as Tensor[], x)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff([...(xct as Tensor[]), ...treeLeaves(wg)], expected)).toBeLessThanOrEqual(1e-4);
  });

  test('hand-computed: two half residuals with known branches', () => {
    // x1, x2 -> (x1 + 2·x2, x2) -> swap -> (x2, x1 + 2·x2) -> (x2 + 3·(x1 + 2·x2), x1 + 2·x2)
    const stack = ReversibleSerial(
      ReversibleHalfResidual(Fn('Double', (x) => x.mul(2))),
      ReversibleSwap(),
      ReversibleHalfResidual(Fn('Triple', (x) => x.mul(3))),
    );
    const x1 = tf.tensor([1, 0]);
    const x2 = tf.tensor([0, 1]);
    const out = stack.call([x1, x2]) as Tensor[];
    expectClose(out[0]!, [3, 7]);
    expectClose(out[1]!, [1, 2]);
    // loss = sum(y1) + sum(y2) = 3·x1 + 7·x2 + x1 + 2·x2 -> d/dx1 = 4, d/dx2 = 9
    const [g1, g2] = tf.grads((a: Tensor, b: Tensor) => {
      const [y1, y2] = stack.pureFn([a, b], stack.weights, stack.state, makeKey(0))[0] as Tensor[];
      return y1!.sum().add(y2!.sum());
    })([x1, x2]);
    expectClose(g1!, [4, 4]);
    expectClose(g2!, [9, 9]);
  });

  test('gradients match finite differences (dropout on, fixed key)', () => {
    const stack = ReversibleSerial(plainBlock(0.25), plainBlock(0.25));
    stack.init([shapeDtype([2, 3, D]), shapeDtype([2, 3, D])], { seed: 6 });
    const leaves = treeLeaves(stack.weights);
    const w0 = leaves.find((t) => t.shape.length === 2)!;
    const f = (x1: Tensor, x2: Tensor, w: Tensor) => {
      const weights = mapTree(stack.weights, (t) => (t === w0 ? w : t));
      const [y1, y2] = stack.pureFn([x1, x2], weights, stack.state, makeKey(11))[0] as Tensor[];
      return y1!.square().add(y2!);
    };
    expectGradientsMatchFiniteDifferences(f, [randn(60, [2, 3, D]), randn(61, [2, 3, D]), w0]);
  });

  test('no tensors leak from a training step; inference runs without the custom gradient', () => {
    const stack = ReversibleSerial(maskedBlock(0.1), maskedBlock(0.1));
    stack.init([shapeDtype([2, 4, D]), shapeDtype([2, 4, D]), shapeDtype([2, 4, 1], 'bool')], { seed: 2 });
    const inputs = [randn(70, [2, 4, D]), randn(71, [2, 4, D]), tf.ones([2, 4, 1], 'bool')];
    const rng = makeKey(1);
    tf.dispose(lossGrads(stack, inputs, stack.weights, stack.state, rng));
    const before = tf.memory().numTensors;
    tf.dispose(lossGrads(stack, inputs, stack.weights, stack.state, rng));
    expect(tf.memory().numTensors).toBe(before);
    const spy = jest.spyOn(ReversibleHalfResidualLayer.prototype, 'reverseAndGrad');
    const [out] = tf.tidy(() => stack.pureFn(inputs, stack.weights, stack.state, rng));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect((out as Tensor[])[2]).toBe(inputs[2]);
    tf.dispose((out as Tensor[]).slice(0, 2));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describeOnBackends('ReversibleSerial: weights and memory', () => {
  test('weights computed inside the differentiated function (disposed before the backward pass) are saved for it', () => {
    const stack = ReversibleSerial(plainBlock(0.1), plainBlock(0.1));
    stack.init([shapeDtype([2, 3, D]), shapeDtype([2, 3, D])], { seed: 13 });
    const x = [randn(80, [2, 3, D]), randn(81, [2, 3, D])];
    const leaves = treeLeaves(stack.weights);
    const grads = (reversible: boolean) => {
      stack.reversibleBackward = reversible;
      return tf.tidy(() =>
        tf.grads((...ws: Tensor[]) => {
          // Scaled copies of the weights: intermediate tensors of the forward pass.
          const scaled = new Map(leaves.map((l, i) => [l, ws[i]!.mul(1.5)]));
          const weights = mapTree(stack.weights, (t) => scaled.get(t)!);
          const [y1, y2] = stack.pureFn(x, weights, stack.state, makeKey(4))[0] as Tensor[];
          return y1!.mul(y2!).sum();
        })(leaves),
      );
    };
    expect(maxAbsDiff(grads(true), grads(false))).toBeLessThanOrEqual(1e-4);
  });

  test('the peak memory of a training step stays flat in depth with the reversible backward', () => {
    const engine = tf.engine() as unknown as { trackTensor: (t: Tensor, b: unknown) => void; disposeTensor: (t: Tensor) => void };
    const peakOfStep = (depth: number, reversible: boolean): number => {
      const stack = ReversibleSerial(...Array.from({ length: depth }, () => plainBlock(0.1)), { reversibleBackward: reversible });
      stack.init([shapeDtype([4, 32, D]), shapeDtype([4, 32, D])], { seed: 1 });
      const x = [randn(90, [4, 32, D]), randn(91, [4, 32, D])];
      const leaves = treeLeaves(stack.weights);
      // Live bytes, each data buffer once (views share buffers).
      const live = new Map<object, number>();
      let bytes = 0;
      let peak = 0;
      const { trackTensor, disposeTensor } = engine;
      engine.trackTensor = function (t, b) {
        trackTensor.call(this, t, b);
        live.set(t.dataId, (live.get(t.dataId) ?? 0) + 1);
        if (live.get(t.dataId) === 1) peak = Math.max(peak, (bytes += t.size * 4));
      };
      engine.disposeTensor = function (t) {
        disposeTensor.call(this, t);
        const n = (live.get(t.dataId) ?? 0) - 1;
        if (n === 0) bytes -= t.size * 4;
        if (n <= 0) live.delete(t.dataId);
        else live.set(t.dataId, n);
      };
      try {
        tf.dispose(
          tf.tidy(() =>
            tf.grads(() => {
              const [y1, y2] = stack.pureFn(x, stack.weights, stack.state, makeKey(2))[0] as Tensor[];
              return y1!.add(y2!).sum();
            })(leaves),
          ),
        );
      } finally {
        engine.trackTensor = trackTensor;
        engine.disposeTensor = disposeTensor;
      }
      tf.dispose([...x, ...leaves]);
      return peak;
    };
    const reversibleGrowth = peakOfStep(8, true) - peakOfStep(2, true);
    const ordinaryGrowth = peakOfStep(8, false) - peakOfStep(2, false);
    const weightsAndGrads = 2 * 6 * 4 * (2 * (D * D + 3 * D)); // 6 more blocks, 2 half residuals each, weights + gradients
    expect(reversibleGrowth).toBeLessThanOrEqual(weightsAndGrads * 1.05);
    expect(ordinaryGrowth).toBeGreaterThan(5 * reversibleGrowth);
  });
});
