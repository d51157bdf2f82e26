import { tf } from '../../src/backend/tf.js';
import { SelfAttention, type SelfAttentionOptions } from '../../src/attention/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';
import {
  expectDropoutOnlyInTrain,
  expectSelfAttentionGradients,
  lengthMask,
  maxAbsDiff,
  maxDiff,
  referenceSelfAttention,
} from './reference.js';

const small = { nHeads: 2, dQk: 4, dV: 3 };

/** Runs a layer with the weights of `like` (so that two configurations can be compared on equal weights). */
function run(options: SelfAttentionOptions, inputs: Tensor | Tensor[], weightsFrom?: ReturnType<typeof SelfAttention>) {
  const layer = SelfAttention(options);
  const items = Array.isArray(inputs) ? inputs : [inputs];
  layer.init(items.length === 1 ? shapeDtype(items[0]!.shape) : items.map((t) => ({ shape: t.shape, dtype: t.dtype })), { seed: 5 });
  if (weightsFrom) layer.weights = weightsFrom.weights;
  const out = layer.call(inputs);
  return { layer, y: Array.isArray(out) ? out[0]! : out };
}

describeOnBackends('SelfAttention', () => {
  test('full attention equals the plain reference (with and without causal, shared QK, padding mask)', () => {
    const x = randn([2, 7, 6], 1);
    for (const extra of [{}, { causal: true }, { shareQk: true }, { shareQk: true, causal: true }]) {
      const { layer, y } = run({ ...small, ...extra }, x);
      expect(maxAbsDiff(y, referenceSelfAttention(x, layer.weights, { nHeads: 2, ...extra }))).toBeLessThan(1e-4);
    }
    const valid = [
      [1, 1, 1, 1, 1, 0, 0],
      [1, 1, 1, 0, 0, 0, 0],
    ];
    const { layer, y } = run({ ...small, masked: true }, [x, tf.tensor(valid)]);
    expect(maxAbsDiff(y, referenceSelfAttention(x, layer.weights, { nHeads: 2, valid }))).toBeLessThan(1e-4);
  });

  test('shapes: x -> y unmasked, (x, mask) -> (y, mask) masked; the signature matches the output', () => {
    const x = randn([2, 9, 6], 2);
    expect(expectSignatureMatchesOutput(SelfAttention({ ...small, chunkLen: 4, nChunksBefore: 1 }), x)).toEqual(shapeDtype([2, 9, 6]));
    const mask = tf.tensor(
      Array.from({ length: 18 }, (_, i) => (i % 9 < 6 ? 1 : 0)),
      [2, 9],
      'int32',
    );
    const masked = SelfAttention({ ...small, masked: true, chunkLen: 4 });
    expect([masked.nIn, masked.nOut]).toEqual([2, 2]);
    expect(expectSignatureMatchesOutput(masked, [x, mask])).toEqual([shapeDtype([2, 9, 6]), shapeDtype([2, 9], 'int32')]);
    expect(masked.name).toBe('SelfAttention_h2_c4');
    expect(Object.keys(masked.weights).sort()).toEqual(['wk', 'wo', 'wq', 'wv']);
    expect(Object.keys(SelfAttention({ shareQk: true }).init(shapeDtype([1, 3, 6])).weights).sort()).toEqual(['wo', 'wq', 'wv']);
  });

  test('chunked attention with chunks covering everything equals full attention', () => {
    const x = randn([2, 12, 6], 3);
    for (const extra of [{}, { causal: true }, { shareQk: true }]) {
      const full = run({ ...small, ...extra }, x);
      // One chunk longer than the sequence.
      expect(maxDiff(run({ ...small, ...extra, chunkLen: 16 }, x, full.layer).y, full.y)).toBeLessThan(1e-5);
      // Three chunks of 4, each seeing all others (neighbours do not wrap around, so nothing counts twice).
      expect(maxDiff(run({ ...small, ...extra, chunkLen: 4, nChunksBefore: 2, nChunksAfter: 2 }, x, full.layer).y, full.y)).toBeLessThan(
        1e-5,
      );
      // Chunks of 5 (the sequence is padded to 15 internally).
      expect(maxDiff(run({ ...small, ...extra, chunkLen: 5, nChunksBefore: 3, nChunksAfter: 3 }, x, full.layer).y, full.y)).toBeLessThan(
        1e-5,
      );
    }
  });

  test('chunked attention is local: a chunk sees only itself and its given neighbours', () => {
    const x1 = randn([1, 12, 6], 4);
    const x2 = tf.concat([x1.slice([0, 0, 0], [1, 8, 6]), randn([1, 4, 6], 5)], 1); // chunk 2 (positions 8..11) changed
    const options = { ...small, chunkLen: 4, nChunksBefore: 1 };
    const a = run(options, x1);
    const b = run(options, x2, a.layer);
    // Chunk 0 sees chunks 0 (and no wrapped-around chunk 2); chunk 1 sees 0 and 1.
    expect(maxDiff(a.y.slice([0, 0, 0], [1, 8, 6]), b.y.slice([0, 0, 0], [1, 8, 6]))).toBeLessThan(1e-6);
    expect(maxDiff(a.y, b.y)).toBeGreaterThan(1e-3);
    // With a following neighbour, chunk 1 now sees chunk 2.
    const c = run({ ...options, nChunksAfter: 1 }, x1, a.layer);
    const d = run({ ...options, nChunksAfter: 1 }, x2, a.layer);
    expect(maxDiff(c.y.slice([0, 0, 0], [1, 4, 6]), d.y.slice([0, 0, 0], [1, 4, 6]))).toBeLessThan(1e-6);
    expect(maxDiff(c.y.slice([0, 4, 0], [1, 4, 6]), d.y.slice([0, 4, 0], [1, 4, 6]))).toBeGreaterThan(1e-4);
  });

  test('padded positions never receive attention (masked, chunked, shared QK or not)', () => {
    const x1 = randn([2, 10, 6], 6);
    const mask = lengthMask([7, 4], 10);
    const x2 = tf.where(tf.cast(mask, 'bool').expandDims(2), x1, randn([2, 10, 6], 7));
    for (const extra of [{}, { chunkLen: 4, nChunksBefore: 1, nChunksAfter: 1 }, { shareQk: true, chunkLen: 3, nChunksBefore: 1 }]) {
      const a = run({ ...small, ...extra, masked: true }, [x1, mask]);
      const b = run({ ...small, ...extra, masked: true }, [x2, mask], a.layer);
      expect(maxDiff(a.y.slice([0, 0, 0], [1, 7, 6]), b.y.slice([0, 0, 0], [1, 7, 6]))).toBeLessThan(1e-6);
      expect(maxDiff(a.y.slice([1, 0, 0], [1, 4, 6]), b.y.slice([1, 0, 0], [1, 4, 6]))).toBeLessThan(1e-6);
    }
  });

  test('one layer object runs sequences of lengths 37, 64 and 100; padding at the end changes nothing', () => {
    const layer = SelfAttention({ ...small, chunkLen: 16, nChunksBefore: 1, nChunksAfter: 1, masked: true });
    layer.init([shapeDtype([1, 64, 6]), shapeDtype([1, 64])]);
    const x = randn([1, 100, 6], 8);
    const outputs = [37, 64, 100].map((n) => {
      const y = (layer.call([x.slice([0, 0, 0], [1, n, 6]), tf.ones([1, n])]) as Tensor[])[0]!;
      expect(y.shape).toEqual([1, n, 6]);
      return y;
    });
    // The 37 tokens padded to 64 (mask 0 beyond) give the same outputs at the real positions.
    const padded = (layer.call([x.slice([0, 0, 0], [1, 64, 6]), lengthMask([37], 64)]) as Tensor[])[0]!;
    expect(maxDiff(padded.slice([0, 0, 0], [1, 37, 6]), outputs[0]!)).toBeLessThan(1e-5);
  });

  test('an all-padding example gives finite outputs', () => {
    const { y } = run({ ...small, masked: true, chunkLen: 4, nChunksBefore: 1 }, [randn([2, 8, 6], 12), lengthMask([5, 0], 8)]);
    expect(Number.isFinite(tf.sum(y).dataSync()[0])).toBe(true);
  });

  test('with shared QK a token attends to itself only when nothing else is available', () => {
    // Causal: position 0 has only itself, so its output is its own value projected.
    const x = randn([1, 5, 6], 9);
    const { layer, y } = run({ ...small, shareQk: true, causal: true }, x);
    const w = layer.weights as Record<string, Tensor>;
    const selfOnly = tf.tidy(() => {
      const v = tf.matMul(x.slice([0, 0, 0], [1, 1, 6]).reshape([1, 6]), w.wv!); // [1, H*dV]
      return tf.matMul(v, w.wo!);
    });
    expect(maxDiff(y.slice([0, 0, 0], [1, 1, 6]).reshape([1, 6]), selfOnly)).toBeLessThan(1e-5);
  });

  test('gradients match finite differences (full, chunked causal with a mask, shared QK)', () => {
    expectSelfAttentionGradients(
      (o: SelfAttentionOptions) => SelfAttention(o),
      [
        { nHeads: 2, dQk: 3, dV: 2 },
        { nHeads: 1, dQk: 3, dV: 2, chunkLen: 2, nChunksBefore: 1, causal: true, masked: true },
        { nHeads: 1, dQk: 3, dV: 2, chunkLen: 3, nChunksAfter: 1, shareQk: true },
      ],
    );
  });

  test('dropout is active in train mode only and drawn from the key', () => {
    expectDropoutOnlyInTrain(SelfAttention({ ...small, attentionDropout: 0.3, outputDropout: 0.2, chunkLen: 4 }));
  });
});

describe('SelfAttention configuration errors', () => {
  test('bad hyperparameters fail when the layer is built, naming the option', () => {
    expect(() => SelfAttention({ chunkLen: 0 })).toThrow(/SelfAttention: chunkLen must be a positive integer, got 0/);
    expect(() => SelfAttention({ chunkLen: 2.5 })).toThrow(/chunkLen must be a positive integer/);
    expect(() => SelfAttention({ nChunksBefore: 1 })).toThrow(/nChunksBefore and nChunksAfter need chunkLen/);
    expect(() => SelfAttention({ chunkLen: 4, nChunksAfter: -1 })).toThrow(/nChunksAfter must be a non-negative integer/);
    expect(() => SelfAttention({ nHeads: 0 })).toThrow(/nHeads must be a positive integer/);
    expect(() => SelfAttention({ dQk: 0 })).toThrow(/dQk must be a positive integer/);
    expect(() => SelfAttention({ attentionDropout: 1.5 })).toThrow(/attentionDropout must be a rate in \[0, 1\)/);
    expect(() => SelfAttention({ chunk_len: 4 } as never)).toThrow(/unknown option 'chunk_len'/);
  });

  test('bad inputs fail at init with the layer name and shapes', () => {
    expect(() => SelfAttention({ masked: true }).init([shapeDtype([2, 5, 4]), shapeDtype([2, 6])])).toThrow(
      /SelfAttention_h2: the padding mask must have shape \[2, 5\] or \[2, 1, 1, 5\]/,
    );
    expect(() => SelfAttention().init(shapeDtype([5, 4]))).toThrow(/expected activations \[batch, length, dModel\]/);
  });
});
