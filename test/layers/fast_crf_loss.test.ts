/**
 * FastCrfLoss, the CRF loss on the host: the same value and gradients as CrfLoss (src/layers/crf.ts), on rows
 * with padding, of length 1, empty, and with the scored run anywhere in a row.
 */
import { tf } from '../../src/backend/tf.js';
import type { Tensor } from '../../src/core/types.js';
import { CrfLossLayer } from '../../src/layers/crf.js';
import { FastCrfLoss } from '../../src/layers/fast_crf_loss.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { expectSignatureMatchesOutput, randn } from './layer_checks.js';

const NAMES = ['transitions', 'start', 'end'];

describeOnBackends('FastCrfLoss', () => {
  test('equals CrfLoss in value and gradients (padding, length-1 and empty rows)', () => {
    const b = 4;
    const l = 5;
    const t = 4;
    const emissions = tf.randomNormal([b, l, t], 0, 2, 'float32', 11);
    const tags = tf.tensor2d(
      [
        [0, 1, 2, 3, 0],
        [3, 3, 1, 0, 0],
        [2, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
      [1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    const reference = new CrfLossLayer(t);
    const fast = FastCrfLoss(t);
    const signature = [emissions, tags, mask].map((x) => ({ shape: x.shape, dtype: x.dtype }));
    reference.init(signature, { seed: 3 });
    fast.init(signature, { seed: 3 });
    expect(fast.name).toBe('CrfLoss_4');
    const w = reference.weights as Record<string, Tensor>;
    const names = ['transitions', 'start', 'end'];
    const run =
      (layer: CrfLossLayer) =>
      (e: Tensor, ...ws: Tensor[]) =>
        layer.pureFn([e, tags, mask], Object.fromEntries(names.map((n, i) => [n, ws[i]!])), {}, makeKey(0))[0] as tf.Scalar;
    const want = run(reference)(emissions, ...names.map((n) => w[n]!)).dataSync()[0]!;
    const got = run(fast)(emissions, ...names.map((n) => w[n]!)).dataSync()[0]!;
    expect(got).toBeCloseTo(want, 4);
    const gradsWant = tf.grads(run(reference))([emissions, ...names.map((n) => w[n]!)]);
    const gradsGot = tf.grads(run(fast))([emissions, ...names.map((n) => w[n]!)]);
    gradsGot.forEach((g, i) => {
      const ref = gradsWant[i]!.dataSync();
      g.dataSync().forEach((v, j) => expect(v).toBeCloseTo(ref[j]!, 4));
    });
    expect(() =>
      fast.call([
        emissions,
        tags,
        tf.tensor2d([
          [0, 1, 1, 1, 1],
          [1, 0, 1, 0, 0],
          [1, 0, 0, 0, 0],
          [0, 0, 0, 0, 0],
        ]),
      ]),
    ).toThrow(/row 1 has a scored token at 2 after a gap/);
  });
});

describeOnBackends('FastCrfLoss on a target run inside a row', () => {
  test('equals CrfLoss on the run moved to the start of the row, in value and emission gradients', () => {
    const t = 4;
    const emissions = tf.randomNormal([2, 6, t], 0, 2, 'float32', 5);
    // Row 0: the run is positions 2-4; row 1: positions 0-2 (as CrfLoss takes them).
    const tags = tf.tensor2d(
      [
        [1, 3, 0, 2, 1, 3],
        [2, 2, 1, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d([
      [0, 0, 1, 1, 1, 0],
      [1, 1, 1, 0, 0, 0],
    ]);
    const shifted = tf.concat([tf.slice(emissions, [0, 2, 0], [1, 4, t]), tf.zeros([1, 2, t])], 1);
    const emissionsRef = tf.concat([shifted, tf.slice(emissions, [1, 0, 0], [1, 6, t])], 0);
    const tagsRef = tf.tensor2d(
      [
        [0, 2, 1, 0, 0, 0],
        [2, 2, 1, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const maskRef = tf.tensor2d([
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 0, 0, 0],
    ]);
    const reference = new CrfLossLayer(t);
    const fast = FastCrfLoss(t);
    const signature = [emissions, tags, mask].map((x) => ({ shape: x.shape, dtype: x.dtype }));
    reference.init(signature, { seed: 2 });
    const w = reference.weights as Record<string, Tensor>;
    const ws = Object.fromEntries(NAMES.map((n) => [n, w[n]!]));
    const fastLoss = (e: Tensor): tf.Scalar => fast.pureFn([e, tags, mask], ws, {}, makeKey(0))[0] as tf.Scalar;
    const refLoss = (e: Tensor): tf.Scalar => reference.pureFn([e, tagsRef, maskRef], ws, {}, makeKey(0))[0] as tf.Scalar;
    expect(fastLoss(emissions).dataSync()[0]!).toBeCloseTo(refLoss(emissionsRef).dataSync()[0]!, 4);
    const g = tf.grad(fastLoss)(emissions).arraySync() as number[][][];
    const gRef = tf.grad(refLoss)(emissionsRef).arraySync() as number[][][];
    for (let p = 0; p < 6; p++) {
      for (let j = 0; j < t; j++) {
        expect(g[0]![p]![j]!).toBeCloseTo(p >= 2 && p < 5 ? gRef[0]![p - 2]![j]! : 0, 5);
        expect(g[1]![p]![j]!).toBeCloseTo(gRef[1]![p]![j]!, 5);
      }
    }
  });
});

describeOnBackends('FastCrfLoss, as every layer', () => {
  const tags = () => tf.tensor2d([[0, 1]], undefined, 'int32');
  const mask = () => tf.tensor2d([[1, 1]]);

  test('shape: [B, L, T] emissions, tags and weights to a scalar; weights transitions [T, T], start and end [T]', () => {
    const layer = FastCrfLoss(3);
    const out = expectSignatureMatchesOutput(layer, [randn([2, 4, 3], 1), tf.zeros([2, 4], 'int32'), tf.ones([2, 4])]);
    expect(out).toEqual({ shape: [], dtype: 'float32' });
    const w = layer.weights as Record<string, Tensor>;
    expect(NAMES.map((n) => w[n]!.shape)).toEqual([[3, 3], [3], [3]]);
  });

  test('hand-computed: 2 tags, zero emissions, transition 0 -> 1 of ln 3: Z = 1 + 3 + 1 + 1, loss of 0 1 = (ln 6 - ln 3) / 2 tokens', () => {
    const layer = FastCrfLoss(2);
    const weights = {
      transitions: tf.tensor2d([
        [0, Math.log(3)],
        [0, 0],
      ]),
      start: tf.zeros([2]),
      end: tf.zeros([2]),
    };
    const loss = layer.pureFn([tf.zeros([1, 2, 2]), tags(), mask()], weights, {}, makeKey(0))[0] as Tensor;
    expect(loss.dataSync()[0]!).toBeCloseTo(Math.log(2) / 2, 5);
  });

  test('gradients match finite differences (emissions and every weight)', () => {
    const layer = FastCrfLoss(3);
    const emissions = randn([2, 3, 3], 4);
    const rowTags = tf.tensor2d(
      [
        [0, 2, 1],
        [1, 1, 0],
      ],
      undefined,
      'int32',
    );
    const rowMask = tf.tensor2d([
      [1, 1, 1],
      [0, 1, 1],
    ]);
    layer.init(
      [emissions, rowTags, rowMask].map((x) => ({ shape: x.shape, dtype: x.dtype })),
      { seed: 5 },
    );
    const w = layer.weights as Record<string, Tensor>;
    const loss = (e: Tensor, transitions: Tensor, start: Tensor, end: Tensor): Tensor =>
      layer.pureFn([e, rowTags, rowMask], { transitions, start, end }, {}, makeKey(0))[0] as Tensor;
    expectGradientsMatchFiniteDifferences(loss, [emissions, ...NAMES.map((n) => w[n]!)]);
  });
});
