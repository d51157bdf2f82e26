/**
 * Local (banded) self-attention: full multi-head attention in which each position attends only to positions at
 * most `radius` away. A locality prior (for example for sequence tagging), at the cost of full attention.
 *
 * Compared with chunked `SelfAttention` (`chunkLen` with neighbouring chunks), the band gives every position the
 * same neighbourhood, `i - radius .. i + radius`: the window is centred on the position and does not depend on
 * where the chunk boundaries fall, so two positions at the same distance always see each other or never do.
 * Causal, the band is one-sided, `i - radius .. i` (a decoder's sliding window), and mode `predict` decodes
 * incrementally with a key/value cache.
 */
import { tf } from '../backend/tf.js';
import type { State, Tensor, Weights } from '../core/types.js';
import { dotProductAttention, MASKED_BIAS } from './dot_product_attention.js';
import type { AttentionInputs, AttentionKeys } from './efficient_attention_base.js';
import { projectToHeads, repeatPerHead } from './heads.js';
import { appendToCache, type PredictCache, positionBias } from './predict_cache.js';
import { SelfAttentionLayer, type SelfAttentionOptions } from './self_attention.js';
import { untaped } from './untaped.js';

/** Options of {@link LocalSelfAttention}. @public */
export interface LocalSelfAttentionOptions extends Omit<SelfAttentionOptions, 'chunkLen' | 'nChunksBefore' | 'nChunksAfter' | 'shareQk'> {
  /** Each position attends to positions `i - radius .. i + radius` (`i - radius .. i` when causal; never to padding). */
  radius: number;
}

/** Whether query position `i` sees key position `j` in a band of `radius` (one-sided when `causal`). */
function inBand(i: number, j: number, radius: number, causal: boolean): boolean {
  return Math.abs(i - j) <= radius && (!causal || j <= i);
}

/** The `[1, 1, L, L]` bias of a band: 0 where {@link inBand}, `MASKED_BIAS` elsewhere. */
function bandBias(length: number, radius: number, causal: boolean): Tensor {
  const values = new Float32Array(length * length);
  for (let i = 0; i < length; i++) for (let j = 0; j < length; j++) if (!inBand(i, j, radius, causal)) values[i * length + j] = MASKED_BIAS;
  return tf.tensor4d(values, [1, 1, length, length]);
}

/**
 * Banded multi-head self-attention (see the module notes): `SelfAttention`'s weights (`wq`, `wk`, `wv`, `wo`),
 * inputs and padding-mask convention, with scores outside `|i - j| <= radius` masked (and, when `causal`, those of
 * later positions). With `radius >= L - 1` it equals full attention (causal or not). Named
 * `LocalSelfAttention_h<heads>_r<radius>`.
 * @public
 */
export class LocalSelfAttentionLayer extends SelfAttentionLayer {
  /** Each position attends to positions `i - radius .. i + radius`. */
  readonly radius: number;

  constructor(options: LocalSelfAttentionOptions) {
    const { radius, ...rest } = options;
    if (!Number.isInteger(radius) || radius < 0)
      throw new RangeError(`LocalSelfAttention: radius must be a non-negative integer, got ${String(radius)}`);
    super(rest);
    this.radius = radius;
    this.name = `LocalSelfAttention_h${this.nHeads}_r${radius}`;
  }

  /** Scaled dot-product attention per head over the band `|i - j| <= radius`, padding excluded. */
  protected override attendHeads(inputs: AttentionInputs, weights: Weights, keys: AttentionKeys): Tensor {
    const { rows, batch, length, valid } = inputs;
    const h = this.nHeads;
    // Heads as [B * H, 1, L, d] (rank 4, as SelfAttention lays them out for wasm's fast paths).
    const heads = (w: Tensor, d: number): Tensor => projectToHeads(rows, w, batch, length, h).reshape([batch * h, 1, length, d]);
    const q = heads(weights.wq as Tensor, this.dQk);
    const k = heads(weights.wk as Tensor, this.dQk);
    const v = heads(weights.wv as Tensor, this.dV);
    const bias: Tensor[] = [];
    if (this.radius < length - 1 || this.causal) bias.push(untaped(() => bandBias(length, this.radius, this.causal)));
    if (valid) {
      bias.push(untaped(() => repeatPerHead(tf.mul(tf.sub(1, valid.reshape([batch, 1, 1, length])), MASKED_BIAS), h)));
    }
    const dropout = this.training ? this.attentionDropout : 0;
    const out = dotProductAttention(q, k, v, { bias, dropout, rng: keys.attention, broadcastDropout: true });
    return out.reshape([batch, h, length, this.dV]);
  }

  /**
   * Mode `predict` (causal only): the new positions' keys and values join the cache, and position `p` attends to
   * the cached positions `p - radius .. p`, as in `eval`. The cache keeps every position (the bias hides the old
   * ones), so the positions a layer can hold are those of its `init` signature.
   */
  protected override attendCached(
    rows: Tensor,
    q: Tensor,
    cache: PredictCache,
    _state: State,
    start: number,
    weights: Weights,
  ): { heads: Tensor; state: State } {
    const [batch, h, n] = q.shape as [number, number, number, number];
    const k = projectToHeads(rows, weights.wk as Tensor, batch, n, h);
    const v = projectToHeads(rows, weights.wv as Tensor, batch, n, h);
    const next = appendToCache(cache, k, v);
    const bias = untaped(() =>
      positionBias(start, n, (p, j) => inBand(p, j, this.radius, true))
        .expandDims(0)
        .expandDims(0),
    );
    return { heads: dotProductAttention(q, next.keys, next.values, { bias }), state: { ...next } };
  }
}

/** Banded self-attention (see {@link LocalSelfAttentionLayer}). @public */
export function LocalSelfAttention(options: LocalSelfAttentionOptions): LocalSelfAttentionLayer {
  return new LocalSelfAttentionLayer(options);
}
