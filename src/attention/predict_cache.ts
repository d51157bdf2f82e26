import { tf } from '../backend/tf.js';
import type { State, Tensor } from '../core/types.js';
import { MASKED_BIAS } from './dot_product_attention.js';

/**
 * The key/value cache that causal attention layers keep in their state in mode `predict` (as Trax's attention
 * layers do), so that a decoder can feed one position (or a few) at a time and each new position costs time
 * linear in the positions before it:
 *
 * `{ keys: [N, ..., t, dK], values: [N, ..., t, dV], maxLen: int32 scalar }`, where `t` is the number of positions
 * seen so far (0 after `init`; the position axis is the second-to-last) and `maxLen` the most positions the layer
 * holds: the length of the signature it was initialised with in mode `predict` (Trax initialises a predict-mode
 * model with the maximum decoding length as well).
 *
 * A subclass of {@link EfficientAttentionBase} receives it in `attendCached`. @public
 */
export interface PredictCache {
  /** The keys of the positions seen so far, `[N, ..., t, dK]`. */
  keys: Tensor;
  /** Their values, `[N, ..., t, dV]`. */
  values: Tensor;
  /** The most positions the cache holds (an int32 scalar). */
  maxLen: Tensor;
}

/** An empty cache for `lead` leading axes (e.g. `[batch, heads]`), key depth `dK`, value depth `dV`. */
export function emptyPredictCache(lead: readonly number[], dK: number, dV: number, maxLen: number): State {
  return {
    keys: tf.zeros([...lead, 0, dK]),
    values: tf.zeros([...lead, 0, dV]),
    maxLen: tf.scalar(maxLen, 'int32'),
  };
}

/** The cache in `state`, checked; `layer` names the layer in errors. */
export function readPredictCache(state: State, layer: string): PredictCache {
  const { keys, values, maxLen } = state;
  if (!(keys instanceof tf.Tensor) || !(values instanceof tf.Tensor) || !(maxLen instanceof tf.Tensor)) {
    throw new Error(`${layer}: mode 'predict' needs the key/value cache in the layer's state; set mode to 'predict' before init`);
  }
  return { keys, values, maxLen };
}

/**
 * The number of positions cached and the cache's capacity; refuses `added` more positions when they would not
 * fit, or a batch other than the cache's.
 */
export function cachedLength(cache: PredictCache, added: number, lead: readonly number[], layer: string): number {
  const start = cache.keys.shape[cache.keys.rank - 2]!;
  const capacity = cache.maxLen.dataSync()[0]!;
  const cachedLead = cache.keys.shape.slice(0, -2);
  if (cachedLead.join(',') !== lead.join(',')) {
    throw new Error(`${layer}: mode 'predict' was initialised for leading axes [${cachedLead.join(', ')}], got [${lead.join(', ')}]`);
  }
  if (start + added > capacity) {
    throw new RangeError(
      `${layer}: mode 'predict' holds at most ${capacity} positions (the length of the signature it was initialised with); ` +
        `${start} are cached and ${added} more were given`,
    );
  }
  return start;
}

/**
 * The cache with `keys` and `values` (`[..., n, d]`) appended along the position axis (new tensors: the cache
 * never shares a tensor with the caller's stack, which a combinator may free).
 */
export function appendToCache(cache: PredictCache, keys: Tensor, values: Tensor): PredictCache {
  const axis = keys.rank - 2;
  return {
    keys: cache.keys.shape[axis] === 0 ? keys.clone() : tf.concat([cache.keys, keys], axis),
    values: cache.values.shape[axis] === 0 ? values.clone() : tf.concat([cache.values, values], axis),
    maxLen: cache.maxLen,
  };
}

/**
 * The bias `[n, t]` of queries at positions `start .. start + n - 1` over keys at `0 .. t - 1` (`t = start + n`):
 * 0 where `allowed(query, key)`, {@link MASKED_BIAS} elsewhere, plus `selfBias` on `key === query` when given.
 */
export function positionBias(start: number, n: number, allowed: (query: number, key: number) => boolean, selfBias = 0): Tensor {
  const t = start + n;
  const bias = new Float32Array(n * t);
  for (let i = 0; i < n; i++) {
    const p = start + i;
    for (let j = 0; j < t; j++) bias[i * t + j] = allowed(p, j) ? (j === p ? selfBias : 0) : MASKED_BIAS;
  }
  return tf.tensor2d(bias, [n, t]);
}
