import { tf } from '../../src/backend/tf.js';
import { CausalAttention, LocalSelfAttention, LSHSelfAttention, SelfAttention } from '../../src/attention/index.js';
import type { Layer } from '../../src/core/base.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { State, Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { randn } from '../layers/layer_checks.js';

const B = 2;
const L = 11;
const D = 8;

/** The layer's outputs fed `x` in pieces of the given lengths in mode `predict`, one `pureFn` call per piece. */
function decodeInPieces(make: () => Layer, x: Tensor, pieces: number[]): Tensor {
  const layer = make();
  layer.mode = 'predict';
  layer.init(shapeDtype([B, L, D]), { seed: 3 });
  let state: State = layer.state;
  const outs: Tensor[] = [];
  let at = 0;
  for (const n of pieces) {
    const [y, next] = layer.pureFn(tf.slice(x, [0, at, 0], [B, n, D]), layer.weights, state, makeKey(7));
    outs.push(y as Tensor);
    state = next;
    at += n;
  }
  return tf.concat(outs, 1);
}

/** The layer in mode `eval` on `x` (same seed, so the same weights). */
function evalOn(make: () => Layer, x: Tensor): Tensor {
  const layer = make();
  layer.mode = 'eval';
  layer.init(shapeDtype(x.shape), { seed: 3 });
  return layer.pureFn(x, layer.weights, layer.state, makeKey(7))[0] as Tensor;
}

/** Position p of `eval` on the prefix ending at p, for every p: what running on the growing prefix gives. */
function growingPrefix(make: () => Layer, x: Tensor): Tensor {
  const outs: Tensor[] = [];
  for (let p = 1; p <= L; p++) outs.push(tf.slice(evalOn(make, tf.slice(x, [0, 0, 0], [B, p, D])), [0, p - 1, 0], [B, 1, D]));
  return tf.concat(outs, 1);
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
}

const PIECES = [4, 1, 1, 3, 1, 1];

const layers: [string, () => Layer][] = [
  ['SelfAttention, full', () => SelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true })],
  ['SelfAttention, full, shared QK', () => SelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, shareQk: true })],
  ['SelfAttention, chunked', () => SelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, chunkLen: 3, nChunksBefore: 1 })],
  ['CausalAttention', () => CausalAttention(D, { nHeads: 2 })],
  ['LocalSelfAttention, causal, radius 3', () => LocalSelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, radius: 3 })],
  [
    'LSHSelfAttention, nBuckets 4, 2 hashes',
    () => LSHSelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, chunkLen: 2, nBuckets: 4, nHashes: 2 }),
  ],
  ['LSHSelfAttention, default nBuckets', () => LSHSelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, chunkLen: 2 })],
];

describeOnBackends('predict mode (incremental decoding)', () => {
  test.each(layers)('%s: cached decoding in pieces equals running on the growing prefix', (_, make) => {
    tf.tidy(() => {
      const x = randn([B, L, D], 1);
      const cached = decodeInPieces(make, x, PIECES);
      expect(cached.shape).toEqual([B, L, D]);
      expect(maxAbsDiff(cached, growingPrefix(make, x))).toBeLessThan(1e-5);
    });
  });

  test.each(layers.slice(0, 5))('%s: in predict mode the outputs equal eval mode on the whole sequence', (_, make) => {
    tf.tidy(() => {
      const x = randn([B, L, D], 2);
      expect(maxAbsDiff(decodeInPieces(make, x, PIECES), evalOn(make, x))).toBeLessThan(1e-5);
    });
  });

  test('LSH attention differs from the growing prefix in eval mode on the whole sequence (so the test above can fail)', () => {
    tf.tidy(() => {
      const make = layers[5]![1];
      const x = randn([B, L, D], 1);
      expect(maxAbsDiff(evalOn(make, x), growingPrefix(make, x))).toBeGreaterThan(1e-3);
    });
  });

  test('the cache refuses positions beyond the initialised length, and a non-causal layer refuses predict mode', () => {
    tf.tidy(() => {
      const x = randn([B, L, D], 1);
      expect(() => decodeInPieces(layers[0]![1], tf.concat([x, x], 1), [L, 1])).toThrow(/holds at most 11 positions/);
      const acausal = SelfAttention({ nHeads: 2, dQk: 4, dV: 3, mode: 'predict' });
      expect(() => acausal.init(shapeDtype([B, L, D]))).toThrow(/causal, unmasked/);
    });
  });

  test('a layer switched to predict after init says to set the mode before init', () => {
    const layer = SelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true });
    layer.init(shapeDtype([B, L, D]));
    layer.mode = 'predict';
    expect(() => layer.call(randn([B, 1, D], 1))).toThrow(/set mode to 'predict' before init/);
  });
});
