import { LocalSelfAttention, LSHSelfAttention, SelfAttention } from '../attention/index.js';
import type { Layer } from '../core/base.js';
import type { Mode } from '../core/types.js';
import { checkInt, keysOf } from './config_checks.js';

/** What every attention layer of a model is made with. @public */
export interface AttentionSettings {
  /** The number of attention heads. */
  nHeads: number;
  /** The depth of each head's queries and keys. */
  dQk: number;
  /** The depth of each head's values. */
  dV: number;
  /** Attend only to earlier positions (decoders). */
  causal: boolean;
  /** Take a padding mask: the layer must be `(x, mask) -> (y, mask)`; otherwise `x -> y`. */
  masked: boolean;
  /** The dropout rate on the attention weights in mode `train`. */
  attentionDropout: number;
  /** The dropout rate on the attention's output in mode `train`. */
  outputDropout: number;
  /** The mode the layer starts in (`predict` for incremental decoding). */
  mode: Mode;
}

/** Makes an attention layer from the model's settings. @public */
export type AttentionFactory = (settings: AttentionSettings) => Layer;

/**
 * The attention of a layer: `'full'` (`SelfAttention`), `'chunked'` (`SelfAttention` with `chunkLen`: local
 * attention over chunks and their neighbours), `'lsh'` (`LSHSelfAttention`), `'local'` (`LocalSelfAttention`:
 * full attention masked to a band of `localRadius` positions on each side, or before each position when causal:
 * a decoder's sliding window), or a factory for any other layer.
 * @public
 */
export type AttentionType = 'full' | 'chunked' | 'lsh' | 'local' | AttentionFactory;

/** Settings of the built-in attention types. @public */
export interface AttentionTypeOptions {
  /** Chunk length of `'chunked'` and `'lsh'` attention (default 64). */
  chunkLen?: number;
  /** Chunks before each chunk that `'chunked'`/`'lsh'` attention also sees (default 1). */
  nChunksBefore?: number;
  /** Chunks after each chunk that `'chunked'` attention also sees (default 0 when causal, else 1; `'lsh'`: 0). */
  nChunksAfter?: number;
  /** Number of hash buckets of `'lsh'` attention (default: the LSH layer's, from the length and chunk length). */
  nBuckets?: number;
  /** Number of hashing rounds of `'lsh'` attention (default 1). */
  nHashes?: number;
  /** Positions on each side (causal: before each position) that `'local'` attention sees (no default: required with `'local'`). */
  localRadius?: number;
}

/** The settings names of {@link AttentionTypeOptions}, for configuration checks. */
export const ATTENTION_TYPE_KEYS = keysOf<AttentionTypeOptions>({
  chunkLen: true,
  nChunksBefore: true,
  nChunksAfter: true,
  nBuckets: true,
  nHashes: true,
  localRadius: true,
});

/**
 * The attention type of each of `nLayers` layers: one type for all, or a list that alternates (layer `i` gets
 * `types[i % types.length]`, as Trax's `attention_type` list); `nLayers` must be a multiple of the list's length.
 */
export function attentionTypesPerLayer(
  model: string,
  spec: AttentionType | readonly AttentionType[] | undefined,
  nLayers: number,
): AttentionType[] {
  const list: readonly AttentionType[] = spec === undefined ? ['full'] : Array.isArray(spec) ? spec : [spec as AttentionType];
  if (list.length === 0) throw new Error(`${model}: attentionType is an empty list`);
  for (const t of list) {
    if (typeof t !== 'function' && t !== 'full' && t !== 'chunked' && t !== 'lsh' && t !== 'local') {
      throw new Error(`${model}: unknown attentionType '${String(t)}'; use 'full', 'chunked', 'lsh', 'local' or a factory function`);
    }
  }
  if (nLayers % list.length !== 0) {
    throw new Error(`${model}: nLayers ${nLayers} is not a multiple of the ${list.length} alternating attention types`);
  }
  return Array.from({ length: nLayers }, (_, i) => list[i % list.length]!);
}

/** Makes one attention layer and checks that its arity fits `settings.masked`. */
export function makeAttention(model: string, type: AttentionType, settings: AttentionSettings, options: AttentionTypeOptions): Layer {
  let layer: Layer;
  if (typeof type === 'function') {
    layer = type({ ...settings });
  } else if (type === 'full') {
    layer = SelfAttention({ ...settings });
  } else if (type === 'chunked') {
    layer = SelfAttention({
      ...settings,
      chunkLen: checkInt(model, 'chunkLen', options.chunkLen ?? 64),
      nChunksBefore: checkInt(model, 'nChunksBefore', options.nChunksBefore ?? 1, 0),
      nChunksAfter: checkInt(model, 'nChunksAfter', options.nChunksAfter ?? (settings.causal ? 0 : 1), 0),
    });
  } else if (type === 'local') {
    if (options.localRadius === undefined)
      throw new Error(`${model}: 'local' attention needs localRadius (positions on each side it sees)`);
    layer = LocalSelfAttention({ ...settings, radius: checkInt(model, 'localRadius', options.localRadius, 0) });
  } else {
    layer = LSHSelfAttention({
      ...settings,
      chunkLen: checkInt(model, 'chunkLen', options.chunkLen ?? 64),
      nChunksBefore: checkInt(model, 'nChunksBefore', options.nChunksBefore ?? 1, 0),
      nChunksAfter: checkInt(model, 'nChunksAfter', options.nChunksAfter ?? 0, 0),
      nHashes: checkInt(model, 'nHashes', options.nHashes ?? 1),
      ...(options.nBuckets === undefined ? {} : { nBuckets: checkInt(model, 'nBuckets', options.nBuckets, 2) }),
    });
  }
  const want = settings.masked ? 2 : 1;
  if (layer.nIn !== want || layer.nOut !== want) {
    throw new Error(
      `${model}: the attention layer ${layer.name} is ${layer.nIn} -> ${layer.nOut}; ${settings.masked ? 'a masked attention must be (x, mask) -> (y, mask)' : 'an unmasked attention must be x -> y'}`,
    );
  }
  return layer;
}
