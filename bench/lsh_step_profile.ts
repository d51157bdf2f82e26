/**
 * Profile of one cached LSH decoding step (mode `predict`) at given cache lengths, on wasm: the whole step of one
 * `LSHSelfAttention` layer (dModel 128, 2 heads, dQk = dV = 64, chunk 64, one chunk before, 1 hash, default
 * buckets, causal, batch 1), and the ops such a step is made of, timed apart.
 *
 *   node scripts/run.mjs bench/lsh_step_profile.ts [--lengths 2048,8192] [--steps 16]
 */
import { useBackend } from '../src/backend/backends.js';
import { tf } from '../src/backend/tf.js';
import { LSHSelfAttention } from '../src/attention/index.js';
import { hashVectors, randomRotations } from '../src/attention/lsh_hashing.js';
import { attentionKeys } from '../src/attention/efficient_attention_base.js';
import { dotProductAttentionWithLogsumexp } from '../src/attention/dot_product_attention.js';
import { lengthNormalized } from '../src/attention/heads.js';
import { HostBuckets } from '../src/attention/host_buckets.js';
import { cachedWindows } from '../src/attention/lsh_windows.js';
import { shapeDtype } from '../src/core/stack.js';
import { disposeTree } from '../src/core/tensor_tree.js';
import type { State, Tensor } from '../src/core/types.js';
import { makeKey } from '../src/rng/key.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** Mean ms of `f` over `reps` runs (after one untimed run). */
function time(reps: number, f: () => void): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

await useBackend('wasm');
const lengths = arg('--lengths', '2048,8192').split(',').map(Number);
const steps = Number(arg('--steps', '16'));
const H = 2;
const d = 64;
const rng = makeKey(3);
for (const t of lengths) {
  const layer = LSHSelfAttention({ nHeads: H, dQk: d, dV: d, chunkLen: 64, nChunksBefore: 1, nHashes: 1, causal: true, mode: 'predict' });
  layer.init(shapeDtype([1, t + 2 * steps + 2, 128], 'float32'), { seed: 1 });
  const x = tf.randomNormal([1, t, 128], 0, 1, 'float32', 5);
  let state: State = layer.state;
  for (let s = 0; s < t; s += 256) {
    const piece = tf.slice(x, [0, s, 0], [1, Math.min(256, t - s), 128]);
    const [, next] = layer.pureFn(piece, layer.weights, state, rng);
    for (const [k, v] of Object.entries(state)) if (v !== next[k] && state !== layer.state) tf.dispose(v);
    state = next;
    piece.dispose();
  }
  const one = tf.randomNormal([1, 1, 128], 0, 1, 'float32', 6);
  const stepMs = time(steps, () => {
    const [y, next] = layer.pureFn(one, layer.weights, state, rng);
    (y as Tensor).dataSync();
    (y as Tensor).dispose();
    for (const [k, v] of Object.entries(state)) if (v !== next[k]) tf.dispose(v); // maxLen is shared
    state = next;
  });
  // The pieces of the step, at cache length t + 1.
  const queries = tf.randomNormal([1, H, t + 1, d]);
  const values = tf.randomNormal([1, H, t + 1, d]);
  const q = tf.randomNormal([1, H, 1, d]);
  const nBuckets = layer.nBucketsFor(t + 1);
  const keys = attentionKeys(rng);
  const rehash = time(steps, () =>
    tf.tidy(() => void hashVectors(queries, randomRotations(keys.hash, H, d, 1, nBuckets), 1, nBuckets).dataSync()),
  );
  const hashNew = time(steps, () =>
    tf.tidy(() => void hashVectors(q, randomRotations(keys.hash, H, d, 1, nBuckets), 1, nBuckets).dataSync()),
  );
  const table = HostBuckets.of(
    tf.tidy(() => hashVectors(queries, randomRotations(keys.hash, H, d, 1, nBuckets), 1, nBuckets).dataSync() as Int32Array),
    H,
    t + 1,
    t + 1,
    nBuckets as number,
    '',
  );
  let windows = cachedWindows(() => table, H, t, 1, layer);
  const windowMs = time(steps, () => (windows = cachedWindows(() => table, H, t, 1, layer)));
  const W = windows.width;
  const idx = tf.tensor1d(
    Array.from(windows.positions, (j, e) => Math.floor(e / W) * (t + 1) + j),
    'int32',
  );
  const indexMs = time(steps, () => tf.tidy(() => void [tf.tensor1d(windows.positions, 'int32'), tf.tensor3d(windows.bias, [H, 1, W])]));
  const bias = tf.tensor3d(windows.bias, [H, 1, W]);
  const gatherMs = time(steps, () =>
    tf.tidy(
      () =>
        void [
          lengthNormalized(tf.gather(queries.reshape([H * (t + 1), d]), idx)),
          tf.gather(values.reshape([H * (t + 1), d]), idx),
        ].forEach((z) => z.dataSync()),
    ),
  );
  const sk = lengthNormalized(tf.gather(queries.reshape([H * (t + 1), d]), idx)).reshape([H, W, d]);
  const sv = tf.gather(values.reshape([H * (t + 1), d]), idx).reshape([H, W, d]);
  const qq = q.reshape([H, 1, d]);
  const attendMs = time(steps, () => tf.tidy(() => void dotProductAttentionWithLogsumexp(qq, sk, sv, { bias }).output.dataSync()));
  const appendMs = time(steps, () =>
    tf.tidy(() => void [tf.concat([queries, q], 2), tf.concat([values, q], 2)].forEach((z) => z.dataSync())),
  );
  console.log(
    `t=${t}: whole step ${stepMs.toFixed(2)} ms | re-hash all (bucket count change) ${rehash.toFixed(2)} | hash new position, rotations drawn anew ${hashNew.toFixed(2)} | ` +
      `host windows ${windowMs.toFixed(2)} | index+bias tensors ${indexMs.toFixed(2)} | gather+normalise window ${gatherMs.toFixed(2)} | ` +
      `attention ${attendMs.toFixed(2)} | cache append (and read back) ${appendMs.toFixed(2)}`,
  );
  tf.dispose([x, one, queries, values, q, idx, bias, sk, sv]);
  tf.dispose(Object.values(state));
  disposeTree(layer.weights);
}
