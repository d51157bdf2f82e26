/**
 * Attention layers: Trax's `Attention`/`CausalAttention` (dense multi-head attention with `Dense` projections), the
 * efficient `SelfAttention` (full or chunked-local), the banded `LocalSelfAttention` and the Reformer's
 * `LSHSelfAttention`, and the masked dot-product attention core they share.
 *
 * Padding masks: non-zero/`true` marks a real token. `Attention` takes Trax's `[B, 1, 1, L]` (from `PaddingMask()`)
 * or `[B, L]`; `SelfAttention`/`LocalSelfAttention`/`LSHSelfAttention` with `masked: true` are
 * `(x, mask) -> (y, mask)` layers taking `[B, L]` or `[B, 1, 1, L]`. Padded positions never receive attention.
 */
export {
  Attention,
  type AttentionOptions,
  AttentionQKV,
  CausalAttention,
  DotProductCausalAttentionLayer,
  PureAttention,
  PureAttentionLayer,
} from './attention.js';
export {
  type AttentionWithLogsumexp,
  dotProductAttention,
  type DotProductAttentionOptions,
  dotProductAttentionWithLogsumexp,
  MASKED_BIAS,
  maskToBias,
  SELF_BIAS,
} from './dot_product_attention.js';
export {
  type AttentionInputs,
  type AttentionKeys,
  attentionKeys,
  EfficientAttentionBase,
  type EfficientAttentionOptions,
} from './efficient_attention_base.js';
export type { PredictCache } from './predict_cache.js';
export { SelfAttention, SelfAttentionLayer, type SelfAttentionOptions } from './self_attention.js';
export { LocalSelfAttention, LocalSelfAttentionLayer, type LocalSelfAttentionOptions } from './local_self_attention.js';
export { LSHSelfAttention, LSHSelfAttentionLayer, type LSHSelfAttentionOptions } from './lsh_self_attention.js';
export { defaultNBuckets, type NBuckets } from './lsh_hashing.js';
