import { tf } from '../../src/backend/tf.js';
import { LocalSelfAttention, SelfAttention, type LocalSelfAttentionOptions } from '../../src/attention/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Tensor } from '../../src/core/types.js';
import { ReformerEncoder, ReformerLM } from '../../src/models/index.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';
import { expectDropoutOnlyInTrain, expectSelfAttentionGradients, lengthMask, maxDiff } from './reference.js';

const small = { nHeads: 2, dQk: 4, dV: 3 };

/** Runs a layer, with the weights of `weightsFrom` when given (so that two layers compare on equal weights). */
function run(
  layer: ReturnType<typeof LocalSelfAttention> | ReturnType<typeof SelfAttention>,
  inputs: Tensor | Tensor[],
  weightsFrom?: { weights: unknown },
) {
  const items = Array.isArray(inputs) ? inputs : [inputs];
  layer.init(items.length === 1 ? shapeDtype(items[0]!.shape) : items.map((t) => ({ shape: t.shape, dtype: t.dtype })), { seed: 5 });
  if (weightsFrom) layer.weights = weightsFrom.weights as typeof layer.weights;
  const out = layer.call(inputs);
  return Array.isArray(out) ? out[0]! : out;
}

/** One head, dModel = dQk = dV = 2, all four projections the identity: queries, keys and values are the inputs. */
function identityLayer(options: Partial<LocalSelfAttentionOptions> & { radius: number }) {
  const layer = LocalSelfAttention({ nHeads: 1, dQk: 2, dV: 2, ...options });
  layer.init(options.masked ? [shapeDtype([1, 3, 2]), shapeDtype([1, 3])] : shapeDtype([1, 3, 2]));
  layer.weights = { wq: tf.eye(2), wk: tf.eye(2), wv: tf.eye(2), wo: tf.eye(2) };
  return layer;
}

describeOnBackends('LocalSelfAttention', () => {
  test('shapes: x -> y unmasked, (x, mask) -> (y, mask) masked; the signature matches the output; name and weights', () => {
    const x = randn([2, 9, 6], 1);
    const plain = LocalSelfAttention({ ...small, radius: 2 });
    expect([plain.nIn, plain.nOut]).toEqual([1, 1]);
    expect(expectSignatureMatchesOutput(plain, x)).toEqual(shapeDtype([2, 9, 6]));
    const mask = tf.tensor(
      Array.from({ length: 18 }, (_, i) => (i % 9 < 6 ? 1 : 0)),
      [2, 9],
      'int32',
    );
    const masked = LocalSelfAttention({ ...small, masked: true, radius: 3 });
    expect([masked.nIn, masked.nOut]).toEqual([2, 2]);
    expect(expectSignatureMatchesOutput(masked, [x, mask])).toEqual([shapeDtype([2, 9, 6]), shapeDtype([2, 9], 'int32')]);
    // The names and weight paths that checkpoints and exported models rely on.
    expect(masked.name).toBe('LocalSelfAttention_h2_r3');
    expect(masked.radius).toBe(3);
    expect([...namedTensors(masked).keys()]).toEqual([
      'LocalSelfAttention_h2_r3/wq',
      'LocalSelfAttention_h2_r3/wk',
      'LocalSelfAttention_h2_r3/wv',
      'LocalSelfAttention_h2_r3/wo',
    ]);
    expect((masked.weights as Record<string, Tensor>)['wq']!.shape).toEqual([6, 8]);
    expect((masked.weights as Record<string, Tensor>)['wo']!.shape).toEqual([6, 6]);
  });

  test('hand-computed with identity projections: x = [1, 0], [0, 1], [1, 1], radius 1', () => {
    // Scores q_i . k_j / sqrt(2) = a * (x_i . x_j) with a = 1 / sqrt(2); position 0 sees 0 and 1, position 2 sees 1
    // and 2, position 1 sees all three.
    const a = 1 / Math.sqrt(2);
    const e = Math.exp(a);
    const p = e / (1 + e);
    const x = tf.tensor([
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    ]);
    // 0: softmax(a, 0) over x0, x1 -> [p, 1 - p]. 1: weights (1, e, e) over x0, x1, x2. 2: softmax(a, 2a) over x1, x2 -> [p, 1].
    const expected = [
      [
        [p, 1 - p],
        [(1 + e) / (1 + 2 * e), (2 * e) / (1 + 2 * e)],
        [p, 1],
      ],
    ];
    expectClose(identityLayer({ radius: 1 }).call(x) as Tensor, expected, 1e-5);
    // Radius 0: every position sees only itself, so the output is the input.
    expectClose(
      identityLayer({ radius: 0 }).call(x) as Tensor,
      [
        [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      ],
      1e-6,
    );
    // Radius 2 covers the sentence: position 0 now also sees x2 (weights e, 1, e).
    const full = identityLayer({ radius: 2 }).call(x) as Tensor;
    expectClose(full.slice([0, 0, 0], [1, 1, 2]), [[[(2 * e) / (1 + 2 * e), (1 + e) / (1 + 2 * e)]]], 1e-5);
    // Masking position 2: position 1 sees x0 and x1 only, weights (1, e) -> [1 - p, p].
    const [masked] = identityLayer({ radius: 1, masked: true }).call([x, tf.tensor([[1, 1, 0]])]) as Tensor[];
    expectClose(
      masked!.slice([0, 0, 0], [1, 2, 2]),
      [
        [
          [p, 1 - p],
          [1 - p, p],
        ],
      ],
      1e-5,
    );
  });

  test('causal, hand-computed with identity projections: x = [1, 0], [0, 1], [1, 1], radius 1', () => {
    // Position 0 sees only itself; position 1 sees x0 and x1 with scores (0, a), weights (1, e); position 2 sees x1
    // and x2 with scores (a, 2a), weights (e, e^2), i.e. (1 - p, p); nothing sees a later position.
    const a = 1 / Math.sqrt(2);
    const e = Math.exp(a);
    const p = e / (1 + e);
    const x = tf.tensor([
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    ]);
    expectClose(
      identityLayer({ radius: 1, causal: true }).call(x) as Tensor,
      [
        [
          [1, 0],
          [1 - p, p],
          [p, 1],
        ],
      ],
      1e-5,
    );
  });

  test('causal: sees positions i - radius .. i only, and equals causal full attention when the band covers the sentence', () => {
    const layer = LocalSelfAttention({ ...small, radius: 2, causal: true });
    const x1 = randn([1, 9, 6], 6);
    const y1 = run(layer, x1);
    for (const j of [0, 4, 8]) {
      const x2 = tf.concat([x1.slice([0, 0, 0], [1, j, 6]), randn([1, 1, 6], 40 + j), x1.slice([0, j + 1, 0], [1, 8 - j, 6])], 1);
      const y2 = layer.call(x2) as Tensor;
      for (let p = 0; p < 9; p++) {
        const d = maxDiff(y1.slice([0, p, 0], [1, 1, 6]), y2.slice([0, p, 0], [1, 1, 6]));
        if (p >= j && p <= j + 2) expect(d).toBeGreaterThan(1e-5);
        else expect(d).toBeLessThan(1e-6);
      }
    }
    const wide = LocalSelfAttention({ ...small, radius: 8, causal: true });
    const full = SelfAttention({ ...small, causal: true });
    expect(maxDiff(run(wide, x1), run(full, x1, wide))).toBeLessThan(1e-5);
  });

  test('sees only positions within its radius, equals full attention when the band covers the sentence, masks padding', () => {
    const x = tf.randomNormal([2, 7, 8], 0, 1, 'float32', 5);
    const mask = tf.tensor2d([
      [1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 0, 0],
    ]);
    const local = LocalSelfAttention({ nHeads: 2, dQk: 4, dV: 4, masked: true, radius: 2 });
    const wide = LocalSelfAttention({ nHeads: 2, dQk: 4, dV: 4, masked: true, radius: 6 });
    const full = SelfAttention({ nHeads: 2, dQk: 4, dV: 4, masked: true });
    local.init(
      [x, mask].map((t) => ({ shape: t.shape, dtype: t.dtype })),
      { seed: 1 },
    );
    const at = (layer: typeof full, input: Tensor, m = mask): Float32Array =>
      (layer.pureFn([input, m], local.weights, {}, makeKey(0))[0] as Tensor[])[0]!.dataSync() as Float32Array;
    const base = at(local, x);
    // Changing position 6 of row 0 changes outputs only at positions 4..6.
    const changed = at(
      local,
      tf.concat([x.slice([0, 0, 0], [1, 6, 8]), tf.ones([1, 1, 8]).mul(5), x.slice([1, 0, 0], [1, 7, 8])], 1).reshape([2, 7, 8]),
    );
    for (let p = 0; p < 7; p++) {
      const same = base.slice(p * 8, p * 8 + 8).every((v, i) => Math.abs(v - changed[p * 8 + i]!) < 1e-6);
      expect(same).toBe(p < 4);
    }
    // Padded positions (row 1, positions 5 and 6) never change real positions' outputs.
    const padChanged = at(
      local,
      tf.concat(
        [
          x.slice([0, 0, 0], [1, 7, 8]),
          x
            .slice([1, 0, 0], [1, 5, 8])
            .reshape([1, 5, 8])
            .concat(tf.ones([1, 2, 8]).mul(9), 1),
        ],
        0,
      ),
    );
    for (let i = 56; i < 56 + 5 * 8; i++) expect(padChanged[i]).toBeCloseTo(base[i]!, 6);
    const a = at(wide, x);
    const b = at(full, x);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
  });

  test('the window is centred on each position, whatever the length (no chunk boundaries)', () => {
    const layer = LocalSelfAttention({ ...small, radius: 1 });
    const x1 = randn([1, 10, 6], 2);
    const y1 = run(layer, x1);
    // Changing position j changes exactly positions j - 1 .. j + 1, for every j.
    for (let j = 0; j < 10; j++) {
      const x2 = tf.concat([x1.slice([0, 0, 0], [1, j, 6]), randn([1, 1, 6], 30 + j), x1.slice([0, j + 1, 0], [1, 9 - j, 6])], 1);
      const y2 = layer.call(x2) as Tensor;
      for (let p = 0; p < 10; p++) {
        const d = maxDiff(y1.slice([0, p, 0], [1, 1, 6]), y2.slice([0, p, 0], [1, 1, 6]));
        if (Math.abs(p - j) <= 1) expect(d).toBeGreaterThan(1e-5);
        else expect(d).toBeLessThan(1e-6);
      }
    }
    // Sequences of other lengths with the same layer object; an all-padding example stays finite.
    const masked = LocalSelfAttention({ ...small, radius: 2, masked: true });
    const y = run(masked, [randn([2, 5, 6], 3), lengthMask([3, 0], 5)]);
    expect(Number.isFinite(tf.sum(y).dataSync()[0])).toBe(true);
    expect((masked.call([randn([1, 13, 6], 4), tf.ones([1, 13])]) as Tensor[])[0]!.shape).toEqual([1, 13, 6]);
  });

  test('gradients match finite differences (band narrower than the sentence, with and without a padding mask, causal)', () => {
    expectSelfAttentionGradients(
      (o: LocalSelfAttentionOptions) => LocalSelfAttention(o),
      [
        { nHeads: 2, dQk: 3, dV: 2, radius: 1 },
        { nHeads: 1, dQk: 3, dV: 2, radius: 2, masked: true },
        { nHeads: 2, dQk: 3, dV: 2, radius: 1, causal: true },
      ],
    );
  });

  test('dropout is active in train mode only and drawn from the key', () => {
    expectDropoutOnlyInTrain(LocalSelfAttention({ ...small, attentionDropout: 0.3, outputDropout: 0.2, radius: 2 }));
  });
});

describe('LocalSelfAttention configuration', () => {
  test('bad options fail when the layer is built', () => {
    expect(() => LocalSelfAttention({ radius: -1 })).toThrow(/LocalSelfAttention: radius must be a non-negative integer, got -1/);
    expect(() => LocalSelfAttention({ radius: 1.5 })).toThrow(/radius must be a non-negative integer/);
    expect(() => LocalSelfAttention({ radius: 2, nHeads: 0 })).toThrow(/nHeads must be a positive integer/);
  });

  test("the models' attentionType 'local' (with localRadius) makes this layer, causal in a ReformerLM; it refuses a missing radius", () => {
    const tiny = { dModel: 8, dFf: 16, nLayers: 2, nHeads: 2, maxLen: 16, vocabSize: 10 };
    const encoder = ReformerEncoder({ ...tiny, attentionType: 'local', localRadius: 2 });
    encoder.init(shapeDtype([2, 6], 'int32'), { seed: 1 });
    const paths = [...namedTensors(encoder).keys()].filter((p) => p.includes('LocalSelfAttention'));
    expect(paths).toHaveLength(8);
    expect(paths[0]).toBe('ReformerEncoder/5/ReversibleSerial/0/EncoderBlock/0/ReversibleHalfResidual/1/LocalSelfAttention_h2_r2/wq');
    const ids = tf.tensor(
      [
        [3, 5, 7, 2, 0, 0],
        [4, 1, 6, 9, 8, 2],
      ],
      undefined,
      'int32',
    );
    expect((encoder.call(ids) as Tensor).shape).toEqual([2, 6, 8]);
    // Alternating with other types.
    const mixed = ReformerEncoder({ ...tiny, attentionType: ['local', 'full'], localRadius: 0 });
    mixed.init(shapeDtype([2, 6], 'int32'), { seed: 1 });
    const attentionNames = [...namedTensors(mixed).keys()].filter((p) => p.endsWith('/wq')).map((p) => p.split('/').at(-2));
    expect(attentionNames).toEqual(['LocalSelfAttention_h2_r0', 'SelfAttention_h2']);
    expect(() => ReformerEncoder({ ...tiny, attentionType: 'local' })).toThrow(/EncoderBlock: 'local' attention needs localRadius/);
    expect(() => ReformerEncoder({ ...tiny, attentionType: 'local', localRadius: -1 })).toThrow(/localRadius must be an integer >= 0/);
    const lm = ReformerLM({ vocabSize: 10, dModel: 8, dFf: 16, nLayers: 1, nHeads: 2, attentionType: 'local', localRadius: 2 });
    lm.init(shapeDtype([1, 6], 'int32'), { seed: 1 });
    expect([...namedTensors(lm).keys()].filter((p) => p.endsWith('LocalSelfAttention_h2_r2/wq'))).toHaveLength(1);
  });
});
