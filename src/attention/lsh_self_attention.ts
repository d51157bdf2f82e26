import { tf } from '../backend/tf.js';
import type { State, Stack, Tensor, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { lookAdjacent, neighbourOffsets, padAxisTo, paddedLength, takeAxis } from './chunking.js';
import { dotProductAttentionWithLogsumexp, MASKED_BIAS, SELF_BIAS } from './dot_product_attention.js';
import {
  type AttentionInputs,
  type AttentionKeys,
  attentionKeys,
  EfficientAttentionBase,
  type EfficientAttentionOptions,
} from './efficient_attention_base.js';
import { gatherRowsWithInverse, inversePermutation } from './gather_rows.js';
import { HostBuckets } from './host_buckets.js';
import { flattenTokens, lengthNormalized, projectToHeads } from './heads.js';
import {
  bucketFactors,
  defaultNBuckets,
  hashVectors,
  type NBuckets,
  nBucketsProblem,
  randomRotations,
  totalBuckets,
} from './lsh_hashing.js';
import { type CachedWindows, cachedWindows } from './lsh_windows.js';
import { paddingMaskRows } from './padding_mask.js';
import { appendToCache, type PredictCache } from './predict_cache.js';
import { untaped, untapedAll } from './untaped.js';
import { checkInteger, checkKnownOptions } from './validation.js';

/** Options of {@link LSHSelfAttention}. @public */
export interface LSHSelfAttentionOptions extends EfficientAttentionOptions {
  /** Length of the chunks of the hash-sorted sequence (default 128, as in Trax). */
  chunkLen?: number;
  /** Number of preceding sorted chunks each chunk also attends to (default 1, as in Trax). */
  nChunksBefore?: number;
  /** Number of following sorted chunks each chunk also attends to (default 0). */
  nChunksAfter?: number;
  /** Number of hashing rounds, combined by their softmax normalisers (default 1). */
  nHashes?: number;
  /**
   * Number of hash buckets: an even number, or a list of even factors (hierarchical hashing). Default: derived
   * from each input's length, see {@link defaultNBuckets}.
   */
  nBuckets?: NBuckets | null;
}

const KNOWN_OPTIONS = [
  'nHeads',
  'dQk',
  'dV',
  'chunkLen',
  'nChunksBefore',
  'nChunksAfter',
  'nHashes',
  'nBuckets',
  'causal',
  'masked',
  'attentionDropout',
  'outputDropout',
  'mode',
];

/** Sort keys `bucket * L + position` are exact in float32 (which tfjs's TopK uses on wasm) below this. */
const EXACT_FLOAT_INTEGERS = 2 ** 24;

/**
 * Trax's `LSHSelfAttention` (Reformer): multi-head self-attention in which each query attends only to keys that a
 * random-rotation hash puts near it.
 *
 * Per head: queries `q = x·wq` double as keys (`k = length_normalized(q)`, shared QK); each round of hashing puts
 * every position in a bucket (argmax of `[qR; -qR]` for a random rotation `R`); positions are sorted by bucket,
 * then by position (`topk` on the key `bucket * L + position`); each round's sorted sequence is cut into chunks of
 * `chunkLen`, and each chunk attends to itself and its `nChunksBefore`/`nChunksAfter` neighbouring chunks of the
 * same round. A token attends to itself only when nothing else is available ({@link SELF_BIAS}); padded positions
 * (internal padding to a whole number of chunks, and tokens the padding mask marks) go to an extra bucket of their
 * own and never receive attention. The rounds' outputs are unsorted and combined with weights
 * `softmax over rounds of each round's log-sum-exp`.
 *
 * Works for any sequence length with one layer object: nothing in the weights or state depends on the length
 * (unlike Trax, whose state fixes it, google/trax#1664).
 *
 * Deliberate difference from Trax: Trax chunks all rounds as one sequence whose neighbours wrap around, so the
 * first chunk of a round also sees the last chunk of the previous round (or, for round 0, of the last round), and
 * a short sequence can see one chunk twice. Here neighbours stay within their round and do not wrap. Padding
 * sorts last in every round, so with a fixed bucket count, padding a batch (with the mask marking it) leaves
 * the real tokens' outputs exactly unchanged, which bucketed, padded batches rely on.
 *
 * **Randomness and recomputation.** The rotations come only from the layer's key: `rng` is split into
 * (hash, attention-dropout, output-dropout) keys, and the rotations are drawn from the hash key. Calling the layer
 * again with the same `rng` and the same inputs and weights therefore reproduces the same buckets and outputs
 * exactly, which is what a reversible layer's backward pass relies on when it recomputes the forward pass. When
 * the recomputed inputs may differ in the last bits from the forward pass's (inputs reconstructed by a reversible
 * block), a query lying on a bucket boundary could change bucket; to rule that out, take the forward pass's
 * buckets from {@link LSHSelfAttentionLayer.hashBuckets} and recompute with
 * {@link LSHSelfAttentionLayer.forwardWithBuckets}.
 *
 * Inputs `x: [B, L, dModel]` (and, when `masked`, a padding mask, see `padding_mask.ts`); output `[B, L, dModel]`
 * (and the mask, unchanged). Weights `{ wq, wv, wo }`.
 * @public
 */
export class LSHSelfAttentionLayer extends EfficientAttentionBase {
  /** Always `true`: LSH attention hashes shared queries and keys (no `wk`). */
  readonly shareQk = true;
  /** The length of the chunks of the hash-sorted sequence. */
  readonly chunkLen: number;
  /** How many preceding sorted chunks each chunk also attends to. */
  readonly nChunksBefore: number;
  /** How many following sorted chunks each chunk also attends to. */
  readonly nChunksAfter: number;
  /** The number of hashing rounds, combined by their softmax normalisers. */
  readonly nHashes: number;
  /**
   * The number of hash buckets (or its factors); `null`: derived from each input's length ({@link defaultNBuckets}).
   */
  readonly nBuckets: NBuckets | null;
  private pinnedBuckets: Tensor | undefined;
  /** Mode `predict`: the host buckets of each cache, by the cache's keys tensor. */
  private readonly hostBuckets = new WeakMap<Tensor, HostBuckets>();
  /** Mode `predict`: the last random rotations drawn, on the host, and what they were drawn for. */
  private rotationsMemo: { tag: string; data: Float32Array; shape: number[] } | undefined;

  constructor(options: LSHSelfAttentionOptions = {}) {
    checkKnownOptions('LSHSelfAttention', options, KNOWN_OPTIONS);
    const chunkLen = checkInteger('LSHSelfAttention', 'chunkLen', options.chunkLen ?? 128, 1);
    const nHashes = checkInteger('LSHSelfAttention', 'nHashes', options.nHashes ?? 1, 1);
    const nHeads = options.nHeads ?? 2;
    super('LSHSelfAttention', `LSHSelfAttention_h${nHeads}_c${chunkLen}_hashes${nHashes}`, options);
    this.chunkLen = chunkLen;
    this.nHashes = nHashes;
    this.nChunksBefore = checkInteger('LSHSelfAttention', 'nChunksBefore', options.nChunksBefore ?? 1, 0);
    this.nChunksAfter = checkInteger('LSHSelfAttention', 'nChunksAfter', options.nChunksAfter ?? 0, 0);
    const nBuckets = options.nBuckets ?? null;
    if (nBuckets !== null) {
      const problem = nBucketsProblem(nBuckets);
      if (problem) throw new RangeError(`LSHSelfAttention: ${problem}`);
    }
    this.nBuckets = nBuckets === null ? null : typeof nBuckets === 'number' ? nBuckets : [...nBuckets];
  }

  /** The bucket count used for sequences of `length` positions. */
  nBucketsFor(length: number): NBuckets {
    return this.nBuckets ?? defaultNBuckets(paddedLength(length, this.chunkLen), this.chunkLen);
  }

  /**
   * The buckets the forward pass with the same inputs, weights and `rng` uses: int32 `[B, nHeads, nHashes, L]`,
   * in `[0, n)` for real tokens and `n` (the padding bucket) for tokens the padding mask marks, where `n` is the
   * total bucket count for this length. Give them to {@link forwardWithBuckets} to recompute the layer with exactly
   * these buckets.
   */
  hashBuckets(inputs: Stack, weights: Weights, rng: Key): Tensor {
    const { x, mask, batch, length, dModel } = this.parseInputs(inputs);
    this.checkWeights(weights, dModel);
    return tf.tidy(() => {
      const valid = mask ? paddingMaskRows(mask, batch, length) : undefined;
      const q = projectToHeads(flattenTokens(x), weights.wq as Tensor, batch, length, this.nHeads);
      return this.bucketsOf(q, valid, attentionKeys(rng).hash);
    });
  }

  /**
   * The layer's forward pass (as `pureFn` with empty state) with the given buckets instead of hashing: for
   * recomputation, e.g. in a reversible layer's backward pass, with buckets from {@link hashBuckets}.
   */
  forwardWithBuckets(inputs: Stack, weights: Weights, rng: Key, buckets: Tensor): Stack {
    this.pinnedBuckets = buckets;
    try {
      return this.pureFn(inputs, weights, {}, rng)[0];
    } finally {
      this.pinnedBuckets = undefined;
    }
  }

  /** Buckets of queries `[B, H, L, d]`, with the padding bucket for invalid positions; not taped. */
  private bucketsOf(q: Tensor, valid: Tensor | undefined, hashKey: Key): Tensor {
    const [, H, L, d] = q.shape as [number, number, number, number];
    const nBuckets = this.nBucketsFor(L);
    return untaped(() => {
      const rotations = randomRotations(hashKey, H, d, this.nHashes, nBuckets);
      return withPaddingBucket(hashVectors(q, rotations, this.nHashes, nBuckets), valid, totalBuckets(nBuckets));
    });
  }

  /**
   * Hashes the shared query/keys into buckets, sorts by bucket, attends within each sorted chunk and its neighbours,
   * and unsorts; the rounds are combined by their normalisers.
   */
  protected attendHeads(inputs: AttentionInputs, weights: Weights, keys: AttentionKeys): Tensor {
    const { rows, batch: B, length: L, valid } = inputs;
    const H = this.nHeads;
    const nH = this.nHashes;
    const c = this.chunkLen;
    const q = projectToHeads(rows, weights.wq as Tensor, B, L, H);
    const v = projectToHeads(rows, weights.wv as Tensor, B, L, H);
    const d = q.shape[3]!;
    const dV = v.shape[3]!;
    const padBucket = totalBuckets(this.nBucketsFor(L));
    let buckets = this.pinnedBuckets;
    if (buckets) {
      const want = [B, H, nH, L];
      if (buckets.dtype !== 'int32' || buckets.shape.join(',') !== want.join(',')) {
        throw new Error(`${this.name}: buckets must be int32 [${want.join(', ')}], got ${buckets.dtype} [${buckets.shape.join(', ')}]`);
      }
      const given = buckets;
      if (valid) buckets = untaped(() => withPaddingBucket(given, valid, padBucket)); // the mask always wins
    } else {
      buckets = this.bucketsOf(q, valid, keys.hash);
    }

    const Lp = paddedLength(L, c);
    const nChunks = Lp / c; // chunks per hashing round
    const N = B * H * nH; // one sorted sequence per (example, head, round)
    const adjacent = (t: Tensor): Tensor => lookAdjacent(t, 1, this.nChunksBefore, this.nChunksAfter);

    // Bookkeeping, off the tape (no gradients, and nothing kept for the backward pass): sort each round by bucket,
    // then position; the gather/scatter indices; the attention biases.
    const [sortIndex, sortInverse, unsortIndex, unsortInverse, bias] = untapedAll(() => {
      const padded = (L === Lp ? buckets : tf.concat([buckets, tf.fill([B, H, nH, Lp - L], padBucket, 'int32')], 3)).reshape([N, Lp]);
      const exact = (padBucket + 1) * Lp <= EXACT_FLOAT_INTEGERS;
      // Either the combined key (exact) or the bucket alone, relying on topk listing equal values by index.
      const key = exact ? tf.add(tf.mul(padded, tf.scalar(Lp, 'int32')), tf.range(0, Lp, 1, 'int32')) : padded;
      const order = tf.topk(tf.neg(tf.cast(key, 'float32')), Lp).indices; // [N, Lp]: sorted slot -> position
      const undo = inversePermutation(order); // [N, Lp]: position -> sorted slot
      const roundBase = tf.mul(tf.range(0, N, 1, 'int32').reshape([N, 1]), tf.scalar(Lp, 'int32')); // row (b, h, r)
      const rowBase = tf.mul(tf.floorDiv(tf.range(0, N, 1, 'int32'), tf.scalar(nH, 'int32')).reshape([N, 1]), tf.scalar(Lp, 'int32'));
      const sortedRows = tf.add(roundBase, order).reshape([-1]);
      const unsortRows = tf.add(roundBase, undo);
      const sortedValid = tf
        .cast(tf.notEqual(tf.gather(padded.reshape([N * Lp, 1]), sortedRows), padBucket), 'float32')
        .reshape([N, nChunks, c]);
      return [
        tf.add(rowBase, order).reshape([-1]), // sorted row (b, h, r, slot) <- input row (b, h, position)
        tf.transpose(unsortRows.reshape([B * H, nH, Lp]), [1, 0, 2]).reshape([nH, B * H * Lp]),
        unsortRows.reshape([-1]),
        sortedRows.reshape([1, -1]),
        this.sortedBias(order.reshape([N, nChunks, c]), sortedValid, nChunks),
      ];
    });

    // Sorted queries and values in chunks, [N, nChunks, c, d]; keys are the length-normalised queries.
    const sq = gatherRowsWithInverse(padAxisTo(q, 2, Lp).reshape([B * H * Lp, d]), sortIndex!, sortInverse!).reshape([N, nChunks, c, d]);
    const sv = gatherRowsWithInverse(padAxisTo(v, 2, Lp).reshape([B * H * Lp, dV]), sortIndex!, sortInverse!).reshape([N, nChunks, c, dV]);

    const dropout = this.training ? this.attentionDropout : 0;
    const { output, logsumexp } = dotProductAttentionWithLogsumexp(sq, adjacent(lengthNormalized(sq)), adjacent(sv), {
      bias: bias!,
      dropout,
      rng: keys.attention,
      broadcastDropout: true,
    });

    // Unsort: output row (b, h, r, p) takes sorted row (b, h, r, undo[p]); its inverse is (b, h, r, order[slot]).
    const n = N * Lp;
    const o = gatherRowsWithInverse(output.reshape([n, dV]), unsortIndex!, unsortInverse!).reshape([B * H, nH, Lp, dV]);
    let combined: Tensor;
    if (nH === 1) {
      combined = o.reshape([B, H, Lp, dV]);
    } else {
      const lse = gatherRowsWithInverse(logsumexp.reshape([n, 1]), unsortIndex!, unsortInverse!).reshape([B * H, nH, Lp, 1]);
      const roundWeights = tf
        .softmax(lse.reshape([B * H, nH, Lp]).transpose([0, 2, 1]))
        .transpose([0, 2, 1])
        .reshape([B * H, nH, Lp, 1]);
      combined = tf.sum(tf.mul(o, roundWeights), 1).reshape([B, H, Lp, dV]);
    }
    return takeAxis(combined, 2, L);
  }

  /**
   * The state of mode `predict`: the cache of queries (raw: they are the keys once length-normalised, and what is
   * hashed) and values, and, with a fixed `nBuckets`, the buckets of the cached positions (`[B, H, nHashes, t]`).
   */
  protected override emptyCache(batch: number, maxLen: number): State {
    const cache = super.emptyCache(batch, maxLen);
    if (this.nBuckets !== null) cache.buckets = tf.zeros([batch, this.nHeads, this.nHashes, 0], 'int32');
    return cache;
  }

  /**
   * Mode `predict`. Position `p` gets exactly the output that `eval` mode gives the last position of the sequence
   * `0..p` (which is what running the layer on the growing prefix gives): the positions `0..p` are hashed as that
   * sequence would hash them (the same rotations, drawn from the layer's key, and the bucket count for length
   * `p + 1`), sorted by bucket then position, and `p` attends, in each hashing round, to the cached positions whose
   * sorted slots fall in its chunk's window (its chunk and `nChunksBefore` / `nChunksAfter` neighbours), with
   * {@link SELF_BIAS} on itself; the rounds are combined by their log-sum-exps as in `eval`.
   *
   * Each position attends only to its windows' keys (at most `chunkLen · (nChunksBefore + 1 + nChunksAfter)` per
   * round, gathered from the cache), so the attention costs the same at every length. The buckets of the cached
   * positions stay on the host (`HostBuckets`, kept with the cache); a step hashes only its new positions,
   * and the host finds each query's window by a counting sort of the cached buckets (linear in `p`, cheap). With
   * `nBuckets` unset, the bucket count depends on the length, so when it changes (at lengths
   * `chunkLen · 2^k + 1`) the cached queries are hashed again, once. Needs the same `rng` at every call (as the
   * growing-prefix run would use), since the rotations come from it.
   *
   * What this means for a model: one LSH layer decodes exactly as `eval` on the growing prefix. In `eval`, though,
   * a new token can move earlier positions into other sorted chunks and so change their outputs, which later layers
   * read as keys; no cache can follow that, so a model with several LSH layers decodes as the causal model in which
   * every position of every layer is computed as the last of its prefix (the cached run equals that model run from
   * scratch on the whole prefix), close to but not bit-equal with `eval`. Trax's predict mode differs from its
   * training attention too (it attends to the cached keys of the query's buckets).
   */
  protected attendCached(
    rows: Tensor,
    q: Tensor,
    cache: PredictCache,
    state: State,
    start: number,
    weights: Weights,
    keys: AttentionKeys,
  ): { heads: Tensor; state: State } {
    const [B, H, n] = q.shape as [number, number, number, number];
    const nH = this.nHashes;
    const v = projectToHeads(rows, weights.wv as Tensor, B, n, H);
    const next: State = { ...appendToCache(cache, q, v) };
    const t = start + n;
    const tables = this.cachedBuckets(q, cache, state, next, start, keys.hash);
    const windows = cachedWindows((p) => tables.get(this.countFor(p + 1))!, B * H * nH, start, n, this);
    const heads = this.attendWindows(q, next.keys as Tensor, next.values as Tensor, windows, t);
    return { heads, state: next };
  }

  /** The total bucket count of sequences of `length` positions. */
  private countFor(length: number): number {
    return totalBuckets(this.nBucketsFor(length));
  }

  /**
   * The host buckets of the cached positions `0 .. t - 1` (`t = start + n`, `next` the state with the new positions
   * appended) under every bucket count that queries `start .. t - 1` use, by count. Hashes only the new positions
   * `q` when the previous step's host buckets (kept by the cached keys' tensor) have that count, and all cached
   * queries once when the count changes with the length (or the previous buckets are not at hand); with a fixed
   * `nBuckets`, also appends the new buckets to the state's bucket cache.
   */
  private cachedBuckets(q: Tensor, cache: PredictCache, state: State, next: State, start: number, hashKey: Key): Map<number, HostBuckets> {
    const [B, H, n, d] = q.shape as [number, number, number, number];
    const nH = this.nHashes;
    const rows = B * H * nH;
    const t = start + n;
    const capacity = cache.maxLen.dataSync()[0]!;
    const tag = hashKey.join(',');
    const hash = (vecs: Tensor, nBuckets: NBuckets): Tensor =>
      untaped(() => hashVectors(vecs, this.predictRotations(hashKey, d, nBuckets), nH, nBuckets));
    const known = this.hostBuckets.get(cache.keys);
    const previous = known && known.tag === tag && known.length === start && known.rows === rows ? known : undefined;
    const tables = new Map<number, HostBuckets>();
    if (this.nBuckets !== null) {
      const cached = state.buckets;
      if (!(cached instanceof tf.Tensor))
        throw new Error(`${this.name}: mode 'predict' needs the bucket cache; set mode to 'predict' before init`);
      const fresh = hash(q, this.nBuckets);
      const all = cached.shape[3] === 0 ? fresh : tf.concat([cached, fresh], 3);
      next.buckets = all;
      const count = this.countFor(t);
      tables.set(
        count,
        previous
          ? previous.appended(fresh.dataSync() as Int32Array, n)
          : HostBuckets.of(all.dataSync() as Int32Array, rows, t, capacity, count, tag),
      );
    } else {
      for (let p = start; p < t; p++) {
        const count = this.countFor(p + 1);
        if (tables.has(count)) continue;
        const nBuckets = this.nBucketsFor(p + 1);
        const table =
          previous && previous.count === count
            ? previous.appended(
                tf.tidy(() => hash(q, nBuckets).dataSync() as Int32Array),
                n,
              )
            : HostBuckets.of(
                tf.tidy(() => hash(next.keys as Tensor, nBuckets).dataSync() as Int32Array),
                rows,
                t,
                capacity,
                count,
                tag,
              );
        tables.set(count, table);
      }
    }
    this.hostBuckets.set(next.keys as Tensor, tables.get(this.countFor(t))!);
    return tables;
  }

  /**
   * Mode `predict`: {@link randomRotations} for `hashKey`, `d` and `nBuckets`, drawn once and kept on the host
   * while these stay the same (each decoding step would otherwise draw them again).
   */
  private predictRotations(hashKey: Key, d: number, nBuckets: NBuckets): Tensor {
    const tag = `${hashKey.join(',')}|${d}|${bucketFactors(nBuckets).join(',')}`;
    if (this.rotationsMemo?.tag !== tag) {
      const drawn = randomRotations(hashKey, this.nHeads, d, this.nHashes, nBuckets);
      this.rotationsMemo = { tag, data: drawn.dataSync() as Float32Array, shape: drawn.shape };
      drawn.dispose();
    }
    return tf.tensor(this.rotationsMemo.data, this.rotationsMemo.shape, 'float32');
  }

  /**
   * The attention of queries `q` (`[B, H, n, d]`) over the keys of their windows only: gathers each window's cached
   * queries (length-normalised into keys) and values, `[B·H·nHashes·n, width, ·]`, attends with the windows' biases,
   * and combines the hashing rounds by their log-sum-exps as in `eval`. `queries`/`values` are the whole cache
   * (`[B, H, t, ·]`).
   */
  private attendWindows(q: Tensor, queries: Tensor, values: Tensor, windows: CachedWindows, t: number): Tensor {
    const [B, H, n, d] = q.shape as [number, number, number, number];
    const nH = this.nHashes;
    const dV = values.shape[3]!;
    const { width } = windows;
    const M = B * H * nH * n; // one query per (example, head, round, new position)
    const [keyRows, queryRows, bias] = untapedAll(() => [
      tf.tensor1d(cacheRowsOf(windows.positions, nH, n, width, t), 'int32'),
      tf.tensor1d(queryRowsOf(B * H, nH, n), 'int32'),
      tf.tensor3d(windows.bias, [M, 1, width]),
    ]);
    const sq = tf.gather(q.reshape([B * H * n, d]), queryRows!).reshape([M, 1, d]);
    const sk = lengthNormalized(tf.gather(queries.reshape([B * H * t, d]), keyRows!)).reshape([M, width, d]);
    const sv = tf.gather(values.reshape([B * H * t, dV]), keyRows!).reshape([M, width, dV]);
    const attended = dotProductAttentionWithLogsumexp(sq, sk, sv, { bias: bias! });
    const output = attended.output.reshape([B * H, nH, n, dV]);
    if (nH === 1) return output.reshape([B, H, n, dV]);
    // A softmax over the rounds (normalised by division, as in eval: log-sum-exps near SELF_BIAS lose bits).
    const logsumexp = attended.logsumexp.reshape([B * H, nH, n, 1]);
    const e = tf.exp(tf.sub(logsumexp, tf.max(logsumexp, 1, true)));
    const roundWeights = tf.div(e, tf.sum(e, 1, true));
    return tf.sum(tf.mul(output, roundWeights), 1).reshape([B, H, n, dV]);
  }

  /**
   * The attention biases of sorted chunks, `[N, nChunks, c, window]`, from each sorted slot's position
   * (`[N, nChunks, c]`) and validity (1 = real token): {@link MASKED_BIAS} for padded keys, neighbour chunks that do
   * not exist within the round (no wrap-around) and, when causal, later keys; {@link SELF_BIAS} for the query's own
   * position. Built by arithmetic on positions (wasm's broadcasting comparisons are slow), one score-sized step
   * at a time.
   */
  private sortedBias(positions: Tensor, valid: Tensor, nChunks: number): Tensor {
    const c = this.chunkLen;
    const offsets = neighbourOffsets(this.nChunksBefore, this.nChunksAfter);
    const window = c * offsets.length;
    const adjacent = (t: Tensor): Tensor => lookAdjacent(t, 1, this.nChunksBefore, this.nChunksAfter);
    const missing = new Float32Array(nChunks * window);
    for (let t = 0; t < nChunks; t++) {
      offsets.forEach((o, j) => {
        if (t + o < 0 || t + o >= nChunks) missing.fill(1, t * window + j * c, t * window + (j + 1) * c);
      });
    }
    return tf.tidy(() => {
      const qPos = tf.cast(positions, 'float32');
      const diff = tf.sub(adjacent(qPos).expandDims(2), qPos.expandDims(3)); // key position - query position
      const masked = tf.mul(tf.add(tf.sub(1, adjacent(valid)).expandDims(2), tf.tensor(missing, [nChunks, 1, window])), MASKED_BIAS);
      let bias = tf.tidy(() => tf.add(tf.mul(tf.relu(tf.sub(1, tf.abs(diff))), SELF_BIAS), masked)); // self: key = query
      if (this.causal) {
        const withCausal = tf.tidy(() => tf.add(bias, tf.mul(tf.clipByValue(diff, 0, 1), MASKED_BIAS)));
        bias.dispose();
        bias = withCausal;
      }
      return bias;
    });
  }
}

/**
 * Rows of the flattened cache (`[B·H·t, ·]`) that the window entries (`[B·H·nHashes, n, width]` positions) pick:
 * `(b·H + h)·t + position`.
 */
function cacheRowsOf(positions: Int32Array, nHashes: number, n: number, width: number, t: number): Int32Array {
  const rows = new Int32Array(positions.length);
  const perHead = nHashes * n * width;
  for (let e = 0; e < positions.length; e++) rows[e] = Math.floor(e / perHead) * t + positions[e]!;
  return rows;
}

/** Rows of the flattened new queries (`[B·H·n, d]`) in the order (example, head, round, position). */
function queryRowsOf(heads: number, nHashes: number, n: number): Int32Array {
  const rows = new Int32Array(heads * nHashes * n);
  for (let bh = 0; bh < heads; bh++) {
    for (let r = 0; r < nHashes; r++) for (let i = 0; i < n; i++) rows[(bh * nHashes + r) * n + i] = bh * n + i;
  }
  return rows;
}

/** `buckets` (`[B, H, nHashes, L]`) with `padBucket` wherever `valid` (`[B, L]`) is 0. */
function withPaddingBucket(buckets: Tensor, valid: Tensor | undefined, padBucket: number): Tensor {
  if (!valid) return buckets;
  const isValid = tf.notEqual(valid, 0).expandDims(1).expandDims(1); // [B, 1, 1, L]
  return tf.where(isValid, buckets, tf.fill(buckets.shape, padBucket, 'int32'));
}

/**
 * Trax's `LSHSelfAttention`, the Reformer's locality-sensitive-hashing attention; see {@link LSHSelfAttentionLayer}.
 *
 * @example
 * ```ts
 * const lm = LSHSelfAttention({ nHeads: 2, dQk: 64, dV: 64, chunkLen: 64, nHashes: 4, causal: true });
 * const encoder = LSHSelfAttention({ nHeads: 2, dQk: 32, dV: 32, chunkLen: 64, nChunksAfter: 1, masked: true });
 * ```
 * @public
 */
export function LSHSelfAttention(options: LSHSelfAttentionOptions = {}): LSHSelfAttentionLayer {
  return new LSHSelfAttentionLayer(options);
}
