import { tf } from '../../src/backend/tf.js';
import { LSHSelfAttentionLayer } from '../../src/attention/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { DecoderBlock, EncoderBlock, EncoderDecoderBlock } from '../../src/models/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { maxAbsDiff, randn } from '../reversible/helpers.js';
import { compareBackwards } from './helpers.js';

const D = 8;
const base = { dModel: D, dFf: 16, nHeads: 2, dropout: 0.1 };

describeOnBackends('EncoderBlock, DecoderBlock, EncoderDecoderBlock', () => {
  test('EncoderBlock: x1, x2, mask -> x1, x2, mask; half residuals with swaps; the mask passes through', () => {
    const block = EncoderBlock(base);
    expect([block.nIn, block.nOut, block.name]).toEqual([3, 3, 'EncoderBlock']);
    expect(block.sublayers.map((l) => l.name)).toEqual([
      'ReversibleHalfResidual',
      'ReversibleSwap',
      'ReversibleHalfResidual',
      'ReversibleSwap',
    ]);
    const sig = [shapeDtype([2, 5, D]), shapeDtype([2, 5, D]), shapeDtype([2, 1, 1, 5], 'bool')];
    expect(block.init(sig).outputSignature).toEqual(sig);
    const mask = tf.tensor4d([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], [2, 1, 1, 5], 'bool');
    const out = block.call([randn(1, [2, 5, D]), randn(2, [2, 5, D]), mask]) as Tensor[];
    expect(out.map((o) => o.shape)).toEqual([
      [2, 5, D],
      [2, 5, D],
      [2, 1, 1, 5],
    ]);
    expect(out[2]).toBe(mask);
  });

  test('EncoderBlock: reversible and ordinary backward agree (dropout on)', () => {
    const sig = [shapeDtype([2, 5, D]), shapeDtype([2, 5, D]), shapeDtype([2, 5], 'bool')];
    const mask = tf.tensor2d(
      [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ],
      [2, 5],
      'bool',
    );
    const { output, grads } = compareBackwards((reversibleBackward) => EncoderBlock({ ...base, reversibleBackward }), sig, [
      randn(3, [2, 5, D]),
      randn(4, [2, 5, D]),
      mask,
    ]);
    expect(output).toBe(0);
    expect(grads).toBeLessThanOrEqual(1e-4);
  });

  test("EncoderBlock with LSH attention: the backward pass reuses the forward pass's buckets", () => {
    const sig = [shapeDtype([2, 8, D]), shapeDtype([2, 8, D]), shapeDtype([2, 8], 'bool')];
    const mask = tf.tensor2d(
      [
        [1, 1, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1],
      ],
      [2, 8],
      'bool',
    );
    const hashed: number[][] = [];
    const reused: number[][] = [];
    const proto = LSHSelfAttentionLayer.prototype;
    const { hashBuckets, forwardWithBuckets } = proto;
    const hash = jest.spyOn(proto, 'hashBuckets').mockImplementation(function (this: LSHSelfAttentionLayer, ...args) {
      const b = hashBuckets.apply(this, args);
      hashed.push(Array.from(b.dataSync()));
      return b;
    });
    const recompute = jest.spyOn(proto, 'forwardWithBuckets').mockImplementation(function (this: LSHSelfAttentionLayer, ...args) {
      reused.push(Array.from(args[3].dataSync()));
      return forwardWithBuckets.apply(this, args);
    });
    try {
      const { grads } = compareBackwards(
        (reversibleBackward) => EncoderBlock({ ...base, attentionType: 'lsh', chunkLen: 4, nHashes: 2, nBuckets: 4, reversibleBackward }),
        sig,
        [randn(5, [2, 8, D]), randn(6, [2, 8, D]), mask],
      );
      expect(grads).toBeLessThanOrEqual(1e-4);
    } finally {
      hash.mockRestore();
      recompute.mockRestore();
    }
    // Hashed once, in the reversible forward pass; the forward pass itself and the backward pass's recomputation
    // both use those buckets.
    expect(hashed.length).toBe(1);
    expect(reused.length).toBe(2);
    for (const b of reused) expect(b).toEqual(hashed[0]);
  });

  test('DecoderBlock: x1, x2 -> x1, x2, causal', () => {
    const block = DecoderBlock(base);
    expect([block.nIn, block.nOut, block.name]).toEqual([2, 2, 'DecoderBlock']);
    block.mode = 'eval';
    block.init([shapeDtype([1, 6, D]), shapeDtype([1, 6, D])]);
    const x1 = randn(7, [1, 6, D]);
    const x2 = randn(8, [1, 6, D]);
    const changed = tf.concat([x2.slice([0, 0, 0], [1, 4, D]), randn(9, [1, 2, D])], 1);
    const a = block.call([x1, x2]) as Tensor[];
    const b = block.call([x1, changed]) as Tensor[];
    // Positions 0..3 do not see positions 4, 5.
    expect(maxAbsDiff([a[0]!.slice([0, 0, 0], [1, 4, D])], [b[0]!.slice([0, 0, 0], [1, 4, D])])).toBeLessThan(1e-5);
    expect(maxAbsDiff([a[0]!.slice([0, 4, 0], [1, 2, D])], [b[0]!.slice([0, 4, 0], [1, 2, D])])).toBeGreaterThan(1e-3);
  });

  test('EncoderDecoderBlock: x1, x2, enc, mask; the encoder activations get the same gradients either way', () => {
    const block = EncoderDecoderBlock(base);
    expect([block.nIn, block.nOut]).toEqual([4, 4]);
    const sig = [shapeDtype([2, 4, D]), shapeDtype([2, 4, D]), shapeDtype([2, 6, D]), shapeDtype([2, 1, 1, 6], 'bool')];
    const mask = tf.tensor4d([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1], [2, 1, 1, 6], 'bool');
    const inputs = [randn(10, [2, 4, D]), randn(11, [2, 4, D]), randn(12, [2, 6, D]), mask];
    const { output, grads } = compareBackwards((reversibleBackward) => EncoderDecoderBlock({ ...base, reversibleBackward }), sig, inputs);
    expect(output).toBe(0);
    expect(grads).toBeLessThanOrEqual(1e-4);
  });

  test('refuses bad settings with the block named', () => {
    expect(() => EncoderBlock({ ...base, nHeads: 3 })).toThrow(/EncoderBlock: dModel 8 is not divisible by nHeads 3/);
    expect(() => DecoderBlock({ ...base, attentionType: () => EncoderBlock(base) })).toThrow(
      /DecoderBlock: the attention layer EncoderBlock is 3 -> 3; an unmasked attention must be x -> y/,
    );
    expect(() => EncoderBlock({ ...base, dropout: -0.1 })).toThrow(/dropout must be a number in \[0, 1\)/);
  });
});

describeOnBackends('rng', () => {
  test('the same key gives the same block output; another key another dropout pattern', () => {
    const block = DecoderBlock({ ...base, dropout: 0.5 });
    block.init([shapeDtype([1, 4, D]), shapeDtype([1, 4, D])]);
    const x = [randn(1, [1, 4, D]), randn(2, [1, 4, D])];
    const a = block.pureFn(x, block.weights, block.state, makeKey(1))[0] as Tensor[];
    const b = block.pureFn(x, block.weights, block.state, makeKey(1))[0] as Tensor[];
    const c = block.pureFn(x, block.weights, block.state, makeKey(2))[0] as Tensor[];
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
  });
});
