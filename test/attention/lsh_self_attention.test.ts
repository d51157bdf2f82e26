import { tf } from '../../src/backend/tf.js';
import { LSHSelfAttention, type LSHSelfAttentionOptions, SelfAttention } from '../../src/attention/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import { useBackend } from '../../src/backend/backends.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';
import { lengthMask, maxAbsDiff, maxDiff, referenceSelfAttention } from './reference.js';

const small = { nHeads: 2, dQk: 4, dV: 3 };

function lsh(options: LSHSelfAttentionOptions, signature: Parameters<ReturnType<typeof LSHSelfAttention>['init']>[0], seed = 3) {
  const layer = LSHSelfAttention(options);
  layer.init(signature, { seed });
  return layer;
}

const out = (y: unknown): Tensor => (Array.isArray(y) ? (y[0] as Tensor) : (y as Tensor));

describeOnBackends('LSHSelfAttention', () => {
  test('shapes: x -> y, or (x, mask) -> (y, mask); weights { wq, wv, wo }; the signature matches the output', () => {
    const x = randn([2, 20, 6], 1);
    const layer = LSHSelfAttention({ ...small, chunkLen: 8, nHashes: 2 });
    expect(expectSignatureMatchesOutput(layer, x)).toEqual(shapeDtype([2, 20, 6]));
    expect(Object.keys(layer.weights).sort()).toEqual(['wo', 'wq', 'wv']);
    expect(layer.name).toBe('LSHSelfAttention_h2_c8_hashes2');
    const masked = LSHSelfAttention({ ...small, chunkLen: 8, masked: true });
    expect(expectSignatureMatchesOutput(masked, [x, lengthMask([20, 11], 20)])).toEqual([shapeDtype([2, 20, 6]), shapeDtype([2, 20])]);
  });

  test('with one chunk covering the sequence it equals full shared-QK attention with self-masking', () => {
    const x = randn([2, 16, 6], 2);
    for (const extra of [{}, { causal: true }]) {
      const layer = lsh({ ...small, chunkLen: 16, nBuckets: 2, nHashes: 1, ...extra }, shapeDtype([2, 16, 6]));
      const full = SelfAttention({ ...small, shareQk: true, ...extra });
      full.init(shapeDtype([2, 16, 6]));
      full.weights = layer.weights;
      const y = layer.call(x) as Tensor;
      expect(maxDiff(y, full.call(x) as Tensor)).toBeLessThan(1e-5);
      expect(maxAbsDiff(y, referenceSelfAttention(x, layer.weights, { nHeads: 2, shareQk: true, ...extra }))).toBeLessThan(1e-4);
    }
    // Also with a padding mask, and a chunk longer than the sequence (internal padding).
    const mask = lengthMask([16, 9], 16);
    const layer = lsh({ ...small, chunkLen: 32, nBuckets: 4, masked: true }, [shapeDtype([2, 16, 6]), shapeDtype([2, 16])]);
    const y = out(layer.call([x, mask]));
    const valid = mask.arraySync() as number[][];
    const expected = referenceSelfAttention(x, layer.weights, { nHeads: 2, shareQk: true, valid });
    // Compare real positions only (padded queries' outputs are meaningless).
    expect(maxAbsDiff(y.slice([0, 0, 0], [1, 16, 6]), expected.slice(0, 1))).toBeLessThan(1e-4);
    expect(maxAbsDiff(y.slice([1, 0, 0], [1, 9, 6]), [expected[1]!.slice(0, 9)])).toBeLessThan(1e-4);
  });

  test('agreement with full attention grows with the number of hashes (1, 2, 4, 8)', () => {
    const x = randn([1, 64, 8], 4, 2);
    const options = { nHeads: 2, dQk: 8, dV: 8, chunkLen: 8, nChunksBefore: 1, nBuckets: 16 };
    const base = lsh({ ...options, nHashes: 1 }, shapeDtype([1, 64, 8]), 7);
    const full = SelfAttention({ nHeads: 2, dQk: 8, dV: 8, shareQk: true });
    full.init(shapeDtype([1, 64, 8]));
    full.weights = base.weights;
    const exact = full.call(x) as Tensor;
    const errors = [1, 2, 4, 8].map((nHashes) => {
      const layer = LSHSelfAttention({ ...options, nHashes });
      layer.init(shapeDtype([1, 64, 8]));
      layer.weights = base.weights;
      const y = layer.pureFn(x, layer.weights, {}, makeKey(11))[0] as Tensor;
      return tf.tidy(() => tf.mean(tf.abs(tf.sub(y, exact))).dataSync()[0]!);
    });
    if (process.env.TRAX_ATTENTION_VERBOSE) console.log('mean |LSH - full| for nHashes 1, 2, 4, 8:', errors);
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThanOrEqual(errors[i - 1]!);
    expect(errors[3]!).toBeLessThan(errors[0]! / 2);
  });

  test('padded positions never receive attention: changing them leaves real outputs unchanged', () => {
    const mask = lengthMask([13, 6], 16);
    const x1 = randn([2, 16, 6], 5);
    const x2 = tf.where(tf.cast(mask, 'bool').expandDims(2), x1, randn([2, 16, 6], 6, 3));
    for (const extra of [{ nHashes: 1 }, { nHashes: 3, nChunksAfter: 1 }, { nHashes: 2, causal: true }]) {
      const layer = lsh({ ...small, chunkLen: 4, masked: true, ...extra }, [shapeDtype([2, 16, 6]), shapeDtype([2, 16])]);
      const a = out(layer.call([x1, mask]));
      const b = out(layer.call([x2, mask]));
      expect(maxDiff(a.slice([0, 0, 0], [1, 13, 6]), b.slice([0, 0, 0], [1, 13, 6]))).toBeLessThan(1e-6);
      expect(maxDiff(a.slice([1, 0, 0], [1, 6, 6]), b.slice([1, 0, 0], [1, 6, 6]))).toBeLessThan(1e-6);
    }
  });

  test('one layer object runs sequences of lengths 37, 64 and 100 (any length, padded internally)', () => {
    const layer = lsh({ ...small, chunkLen: 16, nHashes: 2, masked: true }, [shapeDtype([4, 64, 6]), shapeDtype([4, 64])]);
    const x = randn([1, 100, 6], 7);
    for (const n of [37, 64, 100, 5]) {
      const y = out(layer.call([x.slice([0, 0, 0], [1, n, 6]), tf.ones([1, n])]));
      expect(y.shape).toEqual([1, n, 6]);
      expect(Number.isFinite(tf.sum(y).dataSync()[0])).toBe(true);
    }
    // With one hashing round, 37 tokens padded to 64 (mask 0 beyond) give the same real outputs: padding sorts last.
    const one = lsh({ ...small, chunkLen: 16, nBuckets: 8, masked: true }, [shapeDtype([1, 64, 6]), shapeDtype([1, 64])]);
    const short = out(one.call([x.slice([0, 0, 0], [1, 37, 6]), tf.ones([1, 37])]));
    const padded = out(one.call([x.slice([0, 0, 0], [1, 64, 6]), lengthMask([37], 64)]));
    expect(maxDiff(padded.slice([0, 0, 0], [1, 37, 6]), short)).toBeLessThan(1e-5);
  });

  test('the same key gives the same buckets and outputs; hashBuckets + forwardWithBuckets recompute exactly', () => {
    const layer = lsh({ ...small, chunkLen: 4, nHashes: 2 }, shapeDtype([2, 16, 6]));
    const x = randn([2, 16, 6], 8);
    const key = makeKey(42);
    const y1 = layer.pureFn(x, layer.weights, {}, key)[0] as Tensor;
    const y2 = layer.pureFn(x, layer.weights, {}, key)[0] as Tensor;
    expect(maxDiff(y1, y2)).toBe(0);
    const b1 = layer.hashBuckets(x, layer.weights, key);
    expect(b1.shape).toEqual([2, 2, 2, 16]);
    expect(b1.dtype).toBe('int32');
    expect(Array.from(layer.hashBuckets(x, layer.weights, key).dataSync())).toEqual(Array.from(b1.dataSync()));
    const nBuckets = layer.nBucketsFor(16) as number;
    expect(nBuckets).toBe(8);
    expect(Math.max(...b1.dataSync())).toBeLessThan(nBuckets);
    const other = layer.hashBuckets(x, layer.weights, makeKey(43));
    expect(Array.from(other.dataSync())).not.toEqual(Array.from(b1.dataSync()));
    // Recomputing with the forward pass's buckets gives the forward pass's output, bit for bit.
    expect(maxDiff(layer.forwardWithBuckets(x, layer.weights, key, b1) as Tensor, y1)).toBe(0);
    // Pinned buckets are used as given (here: another key's buckets change the output).
    expect(maxDiff(layer.forwardWithBuckets(x, layer.weights, key, other) as Tensor, y1)).toBeGreaterThan(1e-4);
  });

  test('gradients match finite differences (buckets pinned, as in a recomputation)', () => {
    const x = randn([1, 8, 4], 9);
    for (const options of [
      { nHeads: 1, dQk: 3, dV: 2, chunkLen: 2, nChunksBefore: 1, nHashes: 2 },
      { nHeads: 2, dQk: 2, dV: 2, chunkLen: 4, nChunksAfter: 1, causal: true, masked: true },
    ]) {
      const masked = 'masked' in options;
      const layer = lsh(options, masked ? [shapeDtype([1, 8, 4]), shapeDtype([1, 8])] : shapeDtype([1, 8, 4]), 2);
      const mask = lengthMask([6], 8);
      const inputs = (xx: Tensor) => (masked ? [xx, mask] : xx);
      const key = makeKey(5);
      const buckets = layer.hashBuckets(inputs(x), layer.weights, key);
      const probe = randn([1, 8, 4], 10);
      const names = Object.keys(layer.weights).sort();
      const f = (xx: Tensor, ...ws: Tensor[]) => {
        const weights: Weights = Object.fromEntries(names.map((n, i) => [n, ws[i]!]));
        return tf.mul(out(layer.forwardWithBuckets(inputs(xx), weights, key, buckets)), probe);
      };
      expectGradientsMatchFiniteDifferences(f, [x, ...names.map((n) => layer.weights[n] as Tensor)], { probes: 6 });
    }
  });

  test('tf.grads runs through the layer (the bucket bookkeeping is not on the tape)', () => {
    const layer = lsh({ ...small, chunkLen: 4, nHashes: 2, masked: true }, [shapeDtype([1, 12, 6]), shapeDtype([1, 12])]);
    const x = randn([1, 12, 6], 11);
    const mask = lengthMask([10], 12);
    const grads = tf.grads((xx: Tensor, wq: Tensor) => tf.sum(out(layer.pureFn([xx, mask], { ...layer.weights, wq }, {}, makeKey(1))[0])))([
      x,
      layer.weights.wq as Tensor,
    ]);
    expect(grads.map((g) => g.shape)).toEqual([
      [1, 12, 6],
      [6, 8],
    ]);
    expect(tf.sum(tf.abs(grads[0]!)).dataSync()[0]).toBeGreaterThan(0);
    expect(Number.isFinite(tf.sum(grads[1]!).dataSync()[0])).toBe(true);
  });

  test('an all-padding example gives finite outputs and leaves the other example unchanged', () => {
    const layer = lsh({ ...small, chunkLen: 4, nHashes: 2, masked: true }, [shapeDtype([2, 10, 6]), shapeDtype([2, 10])]);
    const x = randn([2, 10, 6], 15);
    const both = out(layer.call([x, lengthMask([7, 0], 10)]));
    expect(Number.isFinite(tf.sum(both).dataSync()[0])).toBe(true);
    const alone = lsh({ ...small, chunkLen: 4, nHashes: 2, masked: true }, [shapeDtype([1, 10, 6]), shapeDtype([1, 10])]);
    alone.weights = layer.weights;
    const first = out(alone.call([x.slice([0, 0, 0], [1, 10, 6]), lengthMask([7], 10)]));
    expect(maxDiff(both.slice([0, 0, 0], [1, 7, 6]), first.slice([0, 0, 0], [1, 7, 6]))).toBeLessThan(1e-5);
  });

  test('clone() copies the configuration and the weights, as tensors of its own (Trax: deepcopy)', () => {
    const layer = lsh({ ...small, chunkLen: 4, nHashes: 3, causal: true }, shapeDtype([1, 8, 6]));
    const copy = layer.clone();
    expect(copy.initialized).toBe(true);
    expect([copy.name, copy.nHashes, copy.chunkLen, copy.causal]).toEqual([layer.name, 3, 4, true]);
    const x = randn([1, 8, 6], 16);
    expect(maxDiff(copy.call(x) as Tensor, layer.call(x) as Tensor)).toBe(0);
    const own = treeLeaves(layer.weights);
    const copied = treeLeaves(copy.weights);
    expect(copied.length).toBe(own.length);
    copied.forEach((t, i) => expect(t).not.toBe(own[i]));
    expect(LSHSelfAttention({ ...small, chunkLen: 4 }).clone().initialized).toBe(false);
  });

  test('dropout is active in train mode only and drawn from the key', () => {
    const layer = lsh({ ...small, chunkLen: 4, attentionDropout: 0.3 }, shapeDtype([1, 12, 6]));
    const x = randn([1, 12, 6], 12);
    // Different keys change the hashing too; compare train vs eval at one key instead.
    const train = layer.pureFn(x, layer.weights, {}, makeKey(3))[0] as Tensor;
    expect(maxDiff(train, layer.pureFn(x, layer.weights, {}, makeKey(3))[0] as Tensor)).toBe(0);
    layer.mode = 'eval';
    expect(maxDiff(train, layer.pureFn(x, layer.weights, {}, makeKey(3))[0] as Tensor)).toBeGreaterThan(1e-4);
  });
});

describe('LSHSelfAttention configuration errors', () => {
  test('bad hyperparameters fail when the layer is built, naming the option', () => {
    expect(() => LSHSelfAttention({ nBuckets: 7 })).toThrow(/LSHSelfAttention: nBuckets must be even/);
    expect(() => LSHSelfAttention({ nBuckets: [4, 3] })).toThrow(/nBuckets must be even/);
    expect(() => LSHSelfAttention({ nBuckets: 0 })).toThrow(/nBuckets must be even/);
    expect(() => LSHSelfAttention({ chunkLen: 0 })).toThrow(/LSHSelfAttention: chunkLen must be a positive integer, got 0/);
    expect(() => LSHSelfAttention({ chunkLen: -4 })).toThrow(/chunkLen must be a positive integer/);
    expect(() => LSHSelfAttention({ nHashes: 0 })).toThrow(/nHashes must be a positive integer/);
    expect(() => LSHSelfAttention({ dQk: 2.5 })).toThrow(/dQk must be a positive integer/);
    expect(() => LSHSelfAttention({ nChunksBefore: -1 })).toThrow(/nChunksBefore must be a non-negative integer/);
    expect(() => LSHSelfAttention({ n_hashes: 2 } as never)).toThrow(/unknown option 'n_hashes'/);
    expect(() => LSHSelfAttention({ mode: 'test' as never })).toThrow(/mode must be 'train', 'eval' or 'predict'/);
  });

  test('topk lists equal values by index on both backends (the sort relies on it beyond 2^24 keys)', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const n = 20000;
      const values = tf.tensor(
        Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 37),
        [1, n],
      );
      const { values: v, indices } = tf.topk(tf.neg(values), n);
      const vs = v.dataSync();
      const is = indices.dataSync();
      let stable = true;
      for (let i = 1; i < n; i++) if (vs[i] === vs[i - 1] && is[i]! < is[i - 1]!) stable = false;
      expect(stable).toBe(true);
    }
  });

  test('a factorised bucket count works', () => {
    const layer = LSHSelfAttention({ ...small, chunkLen: 4, nBuckets: [4, 2], nHashes: 2 });
    layer.init(shapeDtype([1, 16, 6]));
    const b = layer.hashBuckets(randn([1, 16, 6], 13), layer.weights, makeKey(0));
    expect(Math.max(...b.dataSync())).toBeLessThan(8);
    expect(new Set(b.dataSync()).size).toBeGreaterThan(2);
  });

  test('bad buckets for forwardWithBuckets are refused', () => {
    const layer = LSHSelfAttention({ ...small, chunkLen: 4 });
    layer.init(shapeDtype([1, 8, 6]));
    expect(() => layer.forwardWithBuckets(randn([1, 8, 6], 14), layer.weights, makeKey(0), tf.zeros([1, 2, 1, 7], 'int32'))).toThrow(
      /buckets must be int32 \[1, 2, 1, 8\]/,
    );
  });
});
