import { tf } from '../../src/backend/tf.js';
import { disposeReplaced, flattenTree } from '../../src/core/tensor_tree.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import {
  Adafactor,
  Adam,
  Momentum,
  type Optimizer,
  RMSProp,
  SGD,
  clipByGlobalNorm,
  globalNorm,
  makeOptimizer,
} from '../../src/optimizers/index.js';
import { describeOnBackends } from '../helpers/backends.js';

// A 2x3 weight and a 3-vector, and three steps of gradients for each.
const W0 = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
const B0 = [0.1, -0.2, 0.3];
const GW = [
  [0.2, -0.4, 0.1, 0.3, -0.1, 0.5],
  [-0.1, 0.2, 0.3, -0.2, 0.4, 0.1],
  [0.05, 0.1, -0.3, 0.2, 0.2, -0.4],
];
const GB = [
  [1.0, -0.5, 0.25],
  [0.5, 0.5, -1.0],
  [-0.25, 1.0, 0.5],
];

/** Runs `steps` updates of `opt` with the fixed gradients; returns the final weights as plain arrays. */
function runOptimizer(opt: Optimizer, steps = 3, lr?: (step: number) => number): { w: number[]; b: number[] } {
  let weights: Weights = { w: tf.tensor(W0, [2, 3]), b: tf.tensor(B0) };
  let slots = opt.treeInit(weights);
  for (let s = 0; s < steps; s++) {
    const grads = { w: tf.tensor(GW[s]!, [2, 3]), b: tf.tensor(GB[s]!) };
    const up = opt.treeUpdate(s, grads, weights, slots, lr ? lr(s + 1) : opt.learningRate);
    disposeReplaced(weights, up.weights);
    disposeReplaced(slots, up.slots);
    tf.dispose([up.gradientsL2, up.weightsL2, grads.w, grads.b]);
    weights = up.weights;
    slots = up.slots;
  }
  const out = { w: Array.from((weights['w'] as Tensor).dataSync()), b: Array.from((weights['b'] as Tensor).dataSync()) };
  tf.dispose(flattenTree(weights).map(([, t]) => t));
  tf.dispose(flattenTree(slots).map(([, t]) => t));
  return out;
}

function expectArrayClose(actual: number[], expected: number[], tol = 2e-6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) throw new Error(`element ${i}: got ${a}, expected ${e}`);
  });
}

/** Plain-JS per-element reference of an elementwise optimizer: `step(t, g, w, state) -> [w, state]`. */
function elementwise<S>(
  w0: number[],
  grads: number[][],
  init: () => S,
  step: (t: number, g: number, w: number, s: S) => [number, S],
): number[] {
  return w0.map((w, i) => {
    let s = init();
    let x = w;
    grads.forEach((g, t) => ([x, s] = step(t + 1, g[i]!, x, s)));
    return x;
  });
}

describeOnBackends('optimizers against hand-computed values', () => {
  test('SGD: w - lr g', () => {
    const lr = 0.1;
    const got = runOptimizer(new SGD({ learningRate: lr }));
    const ref = (w0: number[], gs: number[][]) =>
      elementwise(
        w0,
        gs,
        () => null,
        (_t, g, w) => [w - lr * g, null],
      );
    expectArrayClose(got.w, ref(W0, GW));
    expectArrayClose(got.b, ref(B0, GB));
    // by hand for the first element: 0.5 - 0.1 * (0.2 - 0.1 + 0.05)
    expect(got.w[0]).toBeCloseTo(0.485, 6);
  });

  test.each([true, false])('Momentum (nesterov %s) with weight decay', (nesterov) => {
    const [lr, mu, wd] = [0.1, 0.9, 1e-2];
    const got = runOptimizer(new Momentum({ learningRate: lr, mass: mu, weightDecayRate: wd, nesterov }));
    const ref = (w0: number[], gs: number[][]) =>
      elementwise(
        w0,
        gs,
        () => 0,
        (_t, g, w, v) => {
          const v2 = mu * v + g;
          const step = nesterov ? mu * v2 + g : v2;
          return [(1 - wd) * w - lr * step, v2];
        },
      );
    expectArrayClose(got.w, ref(W0, GW));
    expectArrayClose(got.b, ref(B0, GB));
  });

  test("Adam with Trax's defaults (b1 0.9, b2 0.999, eps 1e-5, weight decay 1e-5)", () => {
    const lr = 0.01;
    const opt = new Adam({ learningRate: lr });
    expect(opt.config).toMatchObject({ b1: 0.9, b2: 0.999, eps: 1e-5, weightDecayRate: 1e-5 });
    const got = runOptimizer(opt);
    const [b1, b2, eps, wd] = [0.9, 0.999, 1e-5, 1e-5];
    const ref = (w0: number[], gs: number[][]) =>
      elementwise(
        w0,
        gs,
        () => [0, 0] as [number, number],
        (t, g, w, [m, v]) => {
          const m2 = (1 - b1) * g + b1 * m;
          const v2 = (1 - b2) * g * g + b2 * v;
          const mh = m2 / (1 - b1 ** t);
          const vh = v2 / (1 - b2 ** t);
          return [(1 - wd) * w - (lr * mh) / (Math.sqrt(vh) + eps), [m2, v2] as [number, number]];
        },
      );
    expectArrayClose(got.w, ref(W0, GW));
    expectArrayClose(got.b, ref(B0, GB));
    // first step by hand: m^ = g, v^ = g^2, so w moves by about lr * sign(g)
    const one = runOptimizer(new Adam({ learningRate: lr }), 1);
    expect(one.w[0]).toBeCloseTo(0.5 * (1 - 1e-5) - 0.01 * (0.2 / (0.2 + 1e-5)), 6);
  });

  test('RMSProp: mean square starts at ones', () => {
    const [lr, gamma, eps] = [0.01, 0.9, 1e-8];
    const got = runOptimizer(new RMSProp({ learningRate: lr }));
    const ref = (w0: number[], gs: number[][]) =>
      elementwise(
        w0,
        gs,
        () => 1,
        (_t, g, w, a) => {
          const a2 = a * gamma + g * g * (1 - gamma);
          return [w - (lr * g) / (Math.sqrt(a2) + eps), a2];
        },
      );
    expectArrayClose(got.w, ref(W0, GW));
    expectArrayClose(got.b, ref(B0, GB));
  });

  test("Adafactor with Trax's defaults: factored 2-D weight, full vector slot", () => {
    const lr = 0.05;
    const opt = new Adafactor();
    expect(opt.config).toMatchObject({
      learningRate: 0.05,
      factored: true,
      multiplyByParameterScale: true,
      doClipping: true,
      doMomentum: false,
      beta1: 0,
      decayRate: 0.8,
      clippingThreshold: 1,
      weightDecayRate: 1e-5,
      epsilon1: 1e-30,
      epsilon2: 1e-3,
    });
    const got = runOptimizer(opt);
    const [e1, e2, wd] = [1e-30, 1e-3, 1e-5];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rms = (xs: number[]) => Math.sqrt(mean(xs.map((x) => x * x)));

    // 2x3 weight, factored
    let w = [...W0];
    let vRow = [0, 0];
    let vCol = [0, 0, 0];
    GW.forEach((g, t) => {
      const decay = 1 - (t + 1) ** -0.8;
      const mix = 1 - decay;
      const scale = lr * Math.max(rms(w), e2);
      const g2 = g.map((x) => x * x + e1);
      vRow = [0, 1].map((r) => decay * vRow[r]! + mix * mean(g2.slice(3 * r, 3 * r + 3)));
      vCol = [0, 1, 2].map((c) => decay * vCol[c]! + mix * mean([g2[c]!, g2[3 + c]!]));
      const rowMean = mean(vRow);
      let y = g.map((x, i) => x * (vRow[Math.floor(i / 3)]! / rowMean) ** -0.5 * vCol[i % 3]! ** -0.5);
      const denom = Math.max(1, rms(y) / 1);
      y = y.map((x) => x / denom);
      w = w.map((x, i) => (1 - wd) * x - scale * y[i]!);
    });
    expectArrayClose(got.w, w, 1e-5);

    // vector, unfactored
    let b = [...B0];
    let v = [0, 0, 0];
    GB.forEach((g, t) => {
      const decay = 1 - (t + 1) ** -0.8;
      const scale = lr * Math.max(rms(b), e2);
      v = v.map((x, i) => decay * x + (1 - decay) * (g[i]! * g[i]! + e1));
      let y = g.map((x, i) => x / Math.sqrt(v[i]!));
      const denom = Math.max(1, rms(y));
      y = y.map((x) => x / denom);
      b = b.map((x, i) => (1 - wd) * x - scale * y[i]!);
    });
    expectArrayClose(got.b, b, 1e-5);
  });

  test('Adafactor with momentum and without factoring or clipping', () => {
    const [lr, beta1] = [0.02, 0.5];
    const got = runOptimizer(
      new Adafactor({
        learningRate: lr,
        factored: false,
        doClipping: false,
        doMomentum: true,
        beta1,
        multiplyByParameterScale: false,
        weightDecayRate: 0,
      }),
    );
    const ref = (w0: number[], gs: number[][]) =>
      elementwise(
        w0,
        gs,
        () => [0, 0] as [number, number],
        (t, g, w, [v, m]) => {
          const decay = 1 - t ** -0.8;
          const v2 = decay * v + (1 - decay) * (g * g + 1e-30);
          const step = lr * (g / Math.sqrt(v2));
          const m2 = beta1 * m + (1 - beta1) * step;
          return [w - m2, [v2, m2] as [number, number]];
        },
      );
    expectArrayClose(got.w, ref(W0, GW));
    expectArrayClose(got.b, ref(B0, GB));
  });

  test('slots form a named tree with the weights layout; a shared weight has one set of slots, updated once', () => {
    const shared = tf.tensor([1, 2]);
    const weights: Weights = { '0': { w: shared }, '1': { w: shared, b: tf.tensor([0.5]) } };
    const opt = new Adam({ learningRate: 0.1 });
    const slots = opt.treeInit(weights);
    expect(flattenTree(slots).map(([p]) => p)).toEqual(['0/w/m', '0/w/v', '1/w/m', '1/w/v', '1/b/m', '1/b/v']);
    expect((slots['0'] as Weights)['w']).toBe((slots['1'] as Weights)['w']);
    const g = tf.tensor([1, 1]);
    const grads = { '0': { w: g }, '1': { w: g, b: tf.tensor([1]) } };
    const up = opt.treeUpdate(0, grads, weights, slots, 0.1);
    expect((up.weights['0'] as Weights)['w']).toBe((up.weights['1'] as Weights)['w']);
    expect(Array.from(((up.weights['0'] as Weights)['w'] as Tensor).dataSync())[0]).toBeCloseTo(1 * (1 - 1e-5) - 0.1 * (1 / (1 + 1e-5)), 6);
    tf.dispose([...flattenTree(weights), ...flattenTree(slots), ...flattenTree(up.weights), ...flattenTree(up.slots)].map(([, t]) => t));
    tf.dispose([g, (grads['1'] as Weights)['b'], up.gradientsL2, up.weightsL2]);
  });

  test('gradient clipping by global norm', () => {
    const a = tf.tensor([3, 0]);
    const b = tf.tensor([4]);
    const norm = globalNorm([a, b]);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    const [ca, cb] = clipByGlobalNorm([a, b], 1);
    expect(Array.from(ca!.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(cb!.dataSync()[0]).toBeCloseTo(0.8, 6);
    const [ua] = clipByGlobalNorm([a, b], 10);
    expect(Array.from(ua!.dataSync())).toEqual([3, 0]);
    tf.dispose([a, b, norm, ca!, cb!, ua!]);

    // inside an optimizer: SGD with clipping to norm 1 over all gradients of step 1
    const lr = 0.5;
    const got = runOptimizer(new SGD({ learningRate: lr, clipGradNorm: 1 }), 1);
    const all = [...GW[0]!, ...GB[0]!];
    const n = Math.sqrt(all.reduce((s, x) => s + x * x, 0));
    expectArrayClose(
      got.w,
      W0.map((w, i) => w - (lr * GW[0]![i]!) / n),
    );
    expectArrayClose(
      got.b,
      B0.map((w, i) => w - (lr * GB[0]![i]!) / n),
    );
  });

  test('makeOptimizer builds each optimizer from its config; no tensors leak over an update', () => {
    for (const type of ['SGD', 'Momentum', 'Adam', 'Adafactor', 'RMSProp'] as const) {
      const opt = makeOptimizer({ type, learningRate: 0.1 });
      expect(opt.name).toBe(type);
      expect(opt.config['type']).toBe(type);
      const before = tf.memory().numTensors;
      runOptimizer(opt);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
