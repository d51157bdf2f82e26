import { tf } from '../backend/tf.js';
import type { State, Tensor, Weights } from '../core/types.js';
import { lookAdjacent, neighbourOffsets, padAxisTo, paddedLength, takeAxis } from './chunking.js';
import { dotProductAttention, MASKED_BIAS, SELF_BIAS } from './dot_product_attention.js';
import {
  type AttentionInputs,
  type AttentionKeys,
  EfficientAttentionBase,
  type EfficientAttentionOptions,
} from './efficient_attention_base.js';
import { lengthNormalized, projectToHeads, repeatPerHead } from './heads.js';
import { appendToCache, type PredictCache, positionBias } from './predict_cache.js';
import { untaped } from './untaped.js';
import { checkInteger, checkKnownOptions } from './validation.js';

/** Options of {@link SelfAttention}. @public */
export interface SelfAttentionOptions extends EfficientAttentionOptions {
  /**
   * Length of the chunks for chunked (local) attention; unset or `null` (default): full attention over the whole
   * sequence. Sequences of any length are padded internally to a whole number of chunks.
   */
  chunkLen?: number | null;
  /** Number of preceding chunks each chunk also attends to (default 0; chunked attention only). */
  nChunksBefore?: number;
  /** Number of following chunks each chunk also attends to (default 0; chunked attention only). */
  nChunksAfter?: number;
  /**
   * Whether keys are the length-normalised queries (no `wk`); a token then attends to itself only when nothing else
   * is available, as in LSH attention (default false).
   */
  shareQk?: boolean;
}

const KNOWN_OPTIONS = [
  'nHeads',
  'dQk',
  'dV',
  'chunkLen',
  'nChunksBefore',
  'nChunksAfter',
  'causal',
  'masked',
  'attentionDropout',
  'outputDropout',
  'shareQk',
  'mode',
];

/**
 * Trax's `SelfAttention` (efficient attention): multi-head self-attention, full or chunked-local.
 *
 * With `chunkLen` set, the (internally padded) sequence is cut into chunks of `chunkLen` positions, and the
 * queries of each chunk attend to the keys of the same chunk and of `nChunksBefore` preceding and `nChunksAfter`
 * following chunks. Unlike Trax, neighbours do not wrap around the ends of the sequence: the first chunk has no
 * preceding chunk. With chunks covering the whole sequence the result equals full attention.
 *
 * Inputs `x: [B, L, dModel]` (and, when `masked`, a padding mask, see `padding_mask.ts`); output `[B, L, dModel]`
 * (and the mask, unchanged). Weights `{ wq, wk, wv, wo }` (no `wk` with `shareQk`), heads side by side.
 * @public
 */
export class SelfAttentionLayer extends EfficientAttentionBase {
  /** The chunk length of chunked (local) attention; `null`: full attention over the whole sequence. */
  readonly chunkLen: number | null;
  /** How many preceding chunks each chunk also attends to. */
  readonly nChunksBefore: number;
  /** How many following chunks each chunk also attends to. */
  readonly nChunksAfter: number;
  /** Whether keys are the length-normalised queries (no `wk`). */
  readonly shareQk: boolean;

  constructor(options: SelfAttentionOptions = {}) {
    checkKnownOptions('SelfAttention', options, KNOWN_OPTIONS);
    const chunkLen = options.chunkLen ?? null;
    if (chunkLen !== null) checkInteger('SelfAttention', 'chunkLen', chunkLen, 1);
    const nHeads = options.nHeads ?? 2;
    super('SelfAttention', `SelfAttention_h${nHeads}${chunkLen === null ? '' : `_c${chunkLen}`}`, options);
    this.chunkLen = chunkLen;
    this.nChunksBefore = checkInteger('SelfAttention', 'nChunksBefore', options.nChunksBefore ?? 0, 0);
    this.nChunksAfter = checkInteger('SelfAttention', 'nChunksAfter', options.nChunksAfter ?? 0, 0);
    if (chunkLen === null && (this.nChunksBefore > 0 || this.nChunksAfter > 0)) {
      throw new Error('SelfAttention: nChunksBefore and nChunksAfter need chunkLen (full attention has no chunks)');
    }
    if (options.shareQk !== undefined && typeof options.shareQk !== 'boolean')
      throw new TypeError('SelfAttention: shareQk must be a boolean');
    this.shareQk = options.shareQk ?? false;
  }

  /**
   * Scaled dot-product attention per head, over the whole sequence or within each chunk and its neighbours, with the
   * causal and padding masks.
   */
  protected attendHeads(inputs: AttentionInputs, weights: Weights, keys: AttentionKeys): Tensor {
    const { rows, batch, length, valid } = inputs;
    const H = this.nHeads;
    const chunkLen = this.chunkLen ?? length;
    const before = this.chunkLen === null ? 0 : this.nChunksBefore;
    const after = this.chunkLen === null ? 0 : this.nChunksAfter;
    const padded = paddedLength(length, chunkLen);
    const nChunks = padded / chunkLen;
    // Heads in chunks: [B * H, nChunks, chunkLen, d] (rank 4 keeps wasm's slices and broadcasts on fast paths).
    const toChunks = (t: Tensor): Tensor => padAxisTo(t, 2, padded).reshape([batch * H, nChunks, chunkLen, t.shape[3]!]);
    const adjacent = (t: Tensor): Tensor => lookAdjacent(t, 1, before, after);

    const q = toChunks(projectToHeads(rows, weights.wq as Tensor, batch, length, H));
    const k = this.shareQk ? lengthNormalized(q) : toChunks(projectToHeads(rows, weights.wk as Tensor, batch, length, H));
    const v = toChunks(projectToHeads(rows, weights.wv as Tensor, batch, length, H));

    // Biases are constants: built off the tape (see untaped.ts).
    const bias: Tensor[] = [];
    if (this.needsPositionalBias(length, padded, before, after)) {
      bias.push(untaped(() => this.positionalBias(length, padded, chunkLen, before, after)));
    }
    if (valid) {
      // Keys at padded positions get MASKED_BIAS: [B * H, nChunks, 1, window].
      bias.push(
        untaped(() => {
          const kvValid = adjacent(padAxisTo(valid, 1, padded).reshape([batch, nChunks, chunkLen]));
          return repeatPerHead(tf.mul(tf.sub(1, kvValid), MASKED_BIAS), H).reshape([batch * H, nChunks, 1, -1]);
        }),
      );
    }
    const dropout = this.training ? this.attentionDropout : 0;
    const out = dotProductAttention(q, adjacent(k), adjacent(v), { bias, dropout, rng: keys.attention, broadcastDropout: true });
    return takeAxis(out.reshape([batch, H, padded, this.dV]), 2, length);
  }

  /**
   * Mode `predict`: the new positions' keys and values join the cache, and position `p` attends to the cached keys
   * its `eval`-mode window holds: all of `0..p` (full attention), or those of its chunk and the `nChunksBefore`
   * chunks before it (chunked attention; chunks are fixed by absolute position, so the window of `p` is the same in
   * every prefix that contains it). With `shareQk` the keys are the length-normalised queries and a position's own
   * key gets {@link SELF_BIAS}, as in `eval`.
   */
  protected attendCached(
    rows: Tensor,
    q: Tensor,
    cache: PredictCache,
    _state: State,
    start: number,
    weights: Weights,
  ): { heads: Tensor; state: State } {
    const [batch, H, n] = q.shape as [number, number, number, number];
    const k = this.shareQk ? lengthNormalized(q) : projectToHeads(rows, weights.wk as Tensor, batch, n, H);
    const v = projectToHeads(rows, weights.wv as Tensor, batch, n, H);
    const next = appendToCache(cache, k, v);
    const c = this.chunkLen;
    const before = this.nChunksBefore;
    const allowed =
      c === null ? (p: number, j: number) => j <= p : (p: number, j: number) => j <= p && Math.floor(j / c) >= Math.floor(p / c) - before;
    const bias = untaped(() =>
      positionBias(start, n, allowed, this.shareQk ? SELF_BIAS : 0)
        .expandDims(0)
        .expandDims(0),
    );
    const heads = dotProductAttention(q, next.keys, next.values, { bias });
    return { heads, state: { ...next } };
  }

  /**
   * The bias that depends only on positions, `[nChunks, chunkLen, window]`: masks keys past the real length,
   * neighbours beyond the sequence ends, future keys when causal, and the self bias with shared QK (needed only
   * when one of these applies). Computed by arithmetic on positions (wasm's broadcasting comparisons are slow).
   */
  private needsPositionalBias(length: number, padded: number, before: number, after: number): boolean {
    return this.causal || this.shareQk || padded !== length || before + after > 0;
  }

  private positionalBias(length: number, padded: number, chunkLen: number, before: number, after: number): Tensor {
    const nChunks = padded / chunkLen;
    const offsets = neighbourOffsets(before, after);
    const window = offsets.length * chunkLen;
    return tf.tidy(() => {
      const positions = tf.range(0, padded, 1, 'float32').reshape([nChunks, chunkLen]);
      const kvPos = lookAdjacent(positions, 0, before, after); // [nChunks, window]
      // Keys past the real length, and neighbour chunks t + o that do not exist (no wrap-around).
      const missing = new Float32Array(nChunks * window);
      const kvPosValues = kvPos.dataSync();
      for (let t = 0; t < nChunks; t++) {
        offsets.forEach((o, j) => {
          for (let i = j * chunkLen; i < (j + 1) * chunkLen; i++) {
            if (t + o < 0 || t + o >= nChunks || kvPosValues[t * window + i]! >= length) missing[t * window + i] = 1;
          }
        });
      }
      let masked = tf.tensor(missing, [nChunks, 1, window]);
      const diff = tf.sub(kvPos.expandDims(1), positions.expandDims(2)); // [nChunks, chunkLen, window]
      if (this.causal) masked = tf.add(masked, tf.clipByValue(diff, 0, 1));
      let bias = tf.mul(masked, MASKED_BIAS);
      if (this.shareQk) bias = tf.add(bias, tf.mul(tf.relu(tf.sub(1, tf.abs(diff))), SELF_BIAS));
      return bias;
    });
  }
}

/**
 * Trax's `SelfAttention`: full or chunked-local multi-head self-attention; see {@link SelfAttentionLayer}.
 *
 * @example
 * ```ts
 * const local = SelfAttention({ nHeads: 4, dQk: 32, dV: 32, chunkLen: 64, nChunksBefore: 1, causal: true });
 * const encoder = SelfAttention({ nHeads: 4, dQk: 32, dV: 32, masked: true }); // (x, mask) -> (y, mask)
 * ```
 * @public
 */
export function SelfAttention(options: SelfAttentionOptions = {}): SelfAttentionLayer {
  return new SelfAttentionLayer(options);
}
