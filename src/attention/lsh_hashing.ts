import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { normal } from '../rng/random.js';

/**
 * Angular locality-sensitive hashing (Andoni et al., "Practical and optimal LSH for angular distance", as used by
 * the Reformer): a vector `x` is rotated by a random matrix `R` (`[d, nBuckets / 2]`) and its bucket is the argmax
 * of `[xR; -xR]`. With a factorised bucket count `[f1, f2, ...]` each factor hashes a slice of the rotation and
 * the bucket is the mixed-radix combination (Trax's hierarchical hashing).
 */

/** A bucket count: one even number, or a list of even factors (the count is their product). @public */
export type NBuckets = number | readonly number[];

/** The factors of a bucket count. */
export function bucketFactors(nBuckets: NBuckets): number[] {
  return typeof nBuckets === 'number' ? [nBuckets] : [...nBuckets];
}

/** The total number of buckets. */
export function totalBuckets(nBuckets: NBuckets): number {
  return bucketFactors(nBuckets).reduce((a, b) => a * b, 1);
}

/** A description of what is wrong with a bucket count, or null. */
export function nBucketsProblem(nBuckets: unknown): string | null {
  const factors = typeof nBuckets === 'number' ? [nBuckets] : Array.isArray(nBuckets) ? nBuckets : null;
  if (!factors || factors.length === 0) return `nBuckets must be an even number or a list of even factors, got ${JSON.stringify(nBuckets)}`;
  for (const f of factors) {
    if (typeof f !== 'number' || !Number.isInteger(f) || f < 2 || f % 2 !== 0) {
      return `nBuckets must be even (random-rotation hashing gives buckets in +/- pairs), got ${JSON.stringify(nBuckets)}`;
    }
  }
  return null;
}

/**
 * The bucket count used when none is given, from the (chunk-padded) length: twice the number of chunks, rounded
 * up to a power of two (Trax uses `2 * max(1, length // chunkLen)`), so that a bucket holds about half a chunk.
 * @public
 */
export function defaultNBuckets(length: number, chunkLen: number): number {
  const chunks = Math.max(1, Math.ceil(length / chunkLen));
  return 2 * 2 ** Math.ceil(Math.log2(chunks));
}

/**
 * The random rotations of all heads and hashing rounds, `[nHeads, d, nHashes * rotSize / 2]` where `rotSize` is
 * the sum of the bucket factors; drawn from `key` only.
 */
export function randomRotations(key: Key, nHeads: number, d: number, nHashes: number, nBuckets: NBuckets): Tensor {
  const rotSize = bucketFactors(nBuckets).reduce((a, b) => a + b, 0);
  return normal(key, [nHeads, d, nHashes * (rotSize / 2)]);
}

/**
 * Buckets of `vecs` (`[B, H, L, d]`) under `rotations` (from {@link randomRotations}): int32 `[B, H, nHashes, L]`,
 * values in `[0, totalBuckets(nBuckets))`.
 */
export function hashVectors(vecs: Tensor, rotations: Tensor, nHashes: number, nBuckets: NBuckets): Tensor {
  return tf.tidy(() => {
    const [B, H, L, d] = vecs.shape as [number, number, number, number];
    const factors = bucketFactors(nBuckets);
    const rotSize = factors.reduce((a, b) => a + b, 0);
    const perHead = tf.transpose(vecs, [1, 0, 2, 3]).reshape([H, B * L, d]);
    const rotated = tf.matMul(perHead, rotations).reshape([H, B * L, nHashes, rotSize / 2]);
    let buckets: Tensor | undefined;
    let start = 0;
    let radix = 1;
    for (const f of factors) {
      const part = factors.length === 1 ? rotated : tf.slice(rotated, [0, 0, 0, start], [H, B * L, nHashes, f / 2]);
      const b = tf.argMax(tf.concat([part, tf.neg(part)], -1), -1);
      buckets = buckets === undefined ? b : tf.add(buckets, tf.mul(b, tf.scalar(radix, 'int32')));
      start += f / 2;
      radix *= f;
    }
    return tf.transpose(tf.cast(buckets!, 'int32').reshape([H, B, L, nHashes]), [1, 0, 3, 2]);
  });
}
