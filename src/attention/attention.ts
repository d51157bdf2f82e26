import { tf } from '../backend/tf.js';
import { Branch } from '../combinators/branch.js';
import { Parallel } from '../combinators/parallel.js';
import { Select } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import { Layer } from '../core/base.js';
import { Dense } from '../layers/core/index.js';
import { Fn } from '../core/fn.js';
import { fromList, toList } from '../core/stack.js';
import type { Mode, ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { dotProductAttention, MASKED_BIAS } from './dot_product_attention.js';
import { appendToCache, cachedLength, emptyPredictCache, positionBias, readPredictCache } from './predict_cache.js';
import { untaped } from './untaped.js';
import { checkInteger, checkKnownOptions, checkMode, checkRate } from './validation.js';

/** Options of {@link Attention}, {@link AttentionQKV} and {@link CausalAttention}. @public */
export interface AttentionOptions {
  /** Number of attention heads; must divide `dFeature` (default 1, as in Trax). */
  nHeads?: number;
  /** Dropout rate on the attention weights in `train` mode (default 0). */
  dropout?: number;
  /** Initial mode (default 'train'). In `predict` (set before `init`), `CausalAttention` decodes incrementally: see {@link DotProductCausalAttentionLayer}. */
  mode?: Mode;
}

const KNOWN_OPTIONS = ['nHeads', 'dropout', 'mode'];

interface CheckedOptions {
  nHeads: number;
  dropout: number;
  mode: Mode;
}

function checkOptions(layer: string, dFeature: number | undefined, options: AttentionOptions): CheckedOptions {
  checkKnownOptions(layer, options, KNOWN_OPTIONS);
  const nHeads = checkInteger(layer, 'nHeads', options.nHeads ?? 1, 1);
  if (dFeature !== undefined) {
    checkInteger(layer, 'dFeature', dFeature, 1);
    if (dFeature % nHeads !== 0) {
      throw new RangeError(`${layer}: dFeature (${dFeature}) is not a multiple of the number of heads (${nHeads})`);
    }
  }
  return { nHeads, dropout: checkRate(layer, 'dropout', options.dropout ?? 0), mode: checkMode(layer, options.mode ?? 'train') };
}

/** `[B, L, nHeads * d]` -> `[B, nHeads, L, d]`. */
function splitHeads(x: Tensor, nHeads: number): Tensor {
  const [batch, length, depth] = x.shape as [number, number, number];
  return tf.transpose(x.reshape([batch, length, nHeads, depth / nHeads]), [0, 2, 1, 3]);
}

/** `[B, nHeads, L, d]` -> `[B, L, nHeads * d]`. */
function mergeHeads(x: Tensor): Tensor {
  const [batch, nHeads, length, d] = x.shape as [number, number, number, number];
  return tf.transpose(x, [0, 2, 1, 3]).reshape([batch, length, nHeads * d]);
}

/**
 * A padding mask as Trax's attention takes it, broadcastable over heads and query positions: `[B, 1, 1, Lk]` (what
 * `PaddingMask()` gives) or `[B, 1, Lq, Lk]`/`[1, 1, Lq, Lk]`; `[B, Lk]` is read as `[B, 1, 1, Lk]`.
 */
function attentionMaskShape(mask: readonly number[], batch: number, lq: number, lk: number): number[] | string {
  const m = mask.length === 2 ? [mask[0]!, 1, 1, mask[1]!] : [...mask];
  const fits = (d: number, want: number): boolean => d === 1 || d === want;
  if (m.length === 4 && fits(m[0]!, batch) && m[1] === 1 && fits(m[2]!, lq) && m[3] === lk) return m;
  return `the mask must have shape [${batch}, 1, 1, ${lk}] (as PaddingMask gives), [${batch}, 1, ${lq}, ${lk}] or [${batch}, ${lk}], got [${mask.join(', ')}]`;
}

/**
 * Trax's `PureAttention`: `(q, k, v, mask) -> (activations, mask)`. Splits `q`, `k`, `v` (`[B, L, dFeature]`) into
 * `nHeads` heads, computes masked scaled dot-product attention per head (mask: non-zero = may attend, see
 * {@link Attention}), applies dropout to the attention weights in `train` mode, and merges the heads. No weights.
 * @public
 */
export class PureAttentionLayer extends Layer {
  /** The number of heads `q`, `k` and `v` are split into. */
  readonly nHeads: number;
  /** The dropout rate on the attention weights in mode `train`. */
  readonly dropout: number;

  constructor(options: AttentionOptions = {}) {
    const { nHeads, dropout, mode } = checkOptions('PureAttention', undefined, options);
    super({ nIn: 4, nOut: 2, name: `PureAttention_h${nHeads}` });
    this.nHeads = nHeads;
    this.dropout = dropout;
    this.mode = mode;
  }

  private check(signature: readonly ShapeDtype[]): number[] {
    const [q, k, v, mask] = signature as [ShapeDtype, ShapeDtype, ShapeDtype, ShapeDtype];
    for (const [name, s] of [
      ['queries', q],
      ['keys', k],
      ['values', v],
    ] as const) {
      if (s.shape.length !== 3) throw new Error(`${this.name}: ${name} must be [batch, length, dFeature], got [${s.shape.join(', ')}]`);
      if (s.dtype !== 'float32') throw new Error(`${this.name}: ${name} must be float32, got ${s.dtype}`);
    }
    const [batch, lq, d] = q.shape as [number, number, number];
    if (d % this.nHeads !== 0) {
      throw new Error(`${this.name}: the feature depth (${d}) is not a multiple of the number of heads (${this.nHeads})`);
    }
    if (k.shape[0] !== batch || v.shape[0] !== batch || k.shape[2] !== d || k.shape[1] !== v.shape[1]) {
      throw new Error(
        `${this.name}: queries [${q.shape.join(', ')}], keys [${k.shape.join(', ')}] and values [${v.shape.join(', ')}] do not fit`,
      );
    }
    if (v.shape[2]! % this.nHeads !== 0)
      throw new Error(`${this.name}: the value depth (${v.shape[2]}) is not a multiple of ${this.nHeads} heads`);
    const maskShape = attentionMaskShape(mask.shape, batch, lq, k.shape[1]!);
    if (typeof maskShape === 'string') throw new Error(`${this.name}: ${maskShape}`);
    return maskShape;
  }

  /** Activations `[B, Lq, dV]` and the mask, unchanged. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    this.check(signature);
    const [q, , v, mask] = signature as [ShapeDtype, ShapeDtype, ShapeDtype, ShapeDtype];
    return [
      { shape: [q.shape[0]!, q.shape[1]!, v.shape[2]!], dtype: 'float32' },
      { shape: [...mask.shape], dtype: mask.dtype },
    ];
  }

  /**
   * Masked scaled dot-product attention per head (with dropout in mode `train`), heads merged; the mask passes
   * through.
   */
  protected forward(inputs: Stack, _weights: Weights, state: State, rng: Key): [Stack, State] {
    const [q, k, v, mask] = toList(inputs, 4, 'input') as [Tensor, Tensor, Tensor, Tensor];
    const maskShape = this.check([q, k, v, mask]);
    const dropout = this.mode === 'train' ? this.dropout : 0;
    const out = tf.tidy(() => {
      const heads = dotProductAttention(splitHeads(q, this.nHeads), splitHeads(k, this.nHeads), splitHeads(v, this.nHeads), {
        mask: mask.reshape(maskShape),
        dropout,
        rng,
      });
      return mergeHeads(heads);
    });
    return [fromList([out, mask]), state];
  }
}

/** Trax's `PureAttention` layer; see {@link PureAttentionLayer}. @public */
export function PureAttention(options: AttentionOptions = {}): PureAttentionLayer {
  return new PureAttentionLayer(options);
}

/**
 * Trax's `AttentionQKV`: `(q, k, v, mask) -> (activations, mask)`, projecting `q`, `k` and `v` each by a
 * `Dense(dFeature)`, then {@link PureAttention}, then an output `Dense(dFeature)`.
 * @public
 */
export function AttentionQKV(dFeature: number, options: AttentionOptions = {}): SerialLayer {
  const { nHeads, dropout, mode } = checkOptions('AttentionQKV', dFeature, options);
  const layer = namedSerial('AttentionQKV', [
    Parallel(Dense(dFeature), Dense(dFeature), Dense(dFeature)),
    PureAttention({ nHeads, dropout, mode }),
    Dense(dFeature),
  ]);
  layer.mode = mode;
  return layer;
}

/**
 * Trax's `Attention`: multi-head self-attention with a padding mask, `(x, mask) -> (y, mask)`.
 *
 * `x` is `[B, L, d]`; queries, keys and values are `Dense(dFeature)` projections of it, split into `nHeads` heads
 * of depth `dFeature / nHeads`; an output `Dense(dFeature)` fuses the heads. The mask says where attention is
 * allowed (non-zero or `true` = a real token, any dtype): `[B, 1, 1, L]` as `PaddingMask()` gives (broadcast over
 * heads and query positions), or `[B, L]`; it is passed on unchanged. Dropout (rate `dropout`, `train` mode only)
 * applies to the attention weights.
 *
 * Layout as in Trax: `Serial(Select([0, 0, 0]), AttentionQKV(Parallel(Dense, Dense, Dense), PureAttention, Dense))`,
 * so weights live at paths such as `Attention_h4/1/AttentionQKV/0/Parallel/0/Dense_64/w`.
 *
 * @example
 * ```ts
 * const encoderBlock = Serial(Branch([], PaddingMask()), Residual(LayerNorm(), Attention(64, { nHeads: 4 })));
 * ```
 * @public
 */
export function Attention(dFeature: number, options: AttentionOptions = {}): SerialLayer {
  const checked = checkOptions('Attention', dFeature, options);
  const layer = namedSerial(`Attention_h${checked.nHeads}`, [Select([0, 0, 0], 1), AttentionQKV(dFeature, checked)]);
  layer.mode = checked.mode;
  return layer;
}

/**
 * Trax's `DotProductCausalAttention`: `(q, k, v) -> activations` for per-head tensors `[B * nHeads, L, d]`, each
 * position attending to itself and earlier positions only. No weights.
 *
 * In mode `predict` (set before `init`; the signature's length is the most positions it holds), the layer decodes
 * incrementally as Trax's does: its state caches the keys and values of the positions seen so far
 * (`{ keys, values, maxLen }`, see `predict_cache.ts`), each call takes the next `n >= 1` positions, and each
 * attends over the cache, so a position costs time linear in the positions before it; the outputs equal those of
 * mode `eval` on the whole sequence.
 * @public
 */
export class DotProductCausalAttentionLayer extends Layer {
  constructor(
    /** The dropout rate on the attention weights in mode `train`. */
    readonly dropout: number,
    mode: Mode,
  ) {
    super({ nIn: 3, nOut: 1, name: 'DotProductCausalAttention' });
    this.mode = mode;
  }

  /** No weights; in mode `predict`, an empty key/value cache for the signature's length. */
  protected override initWeightsAndState(signature: ShapeDtype[]): { weights: Weights; state: State } {
    if (this.mode !== 'predict') return { weights: {}, state: {} };
    this.outputSignature(signature);
    const [q, , v] = signature as [ShapeDtype, ShapeDtype, ShapeDtype];
    return { weights: {}, state: emptyPredictCache([q.shape[0]!], q.shape[2]!, v.shape[2]!, q.shape[1]!) };
  }

  /** `[n, L, dV]` float32, for `q`, `k` `[n, L, d]` and `v` `[n, L, dV]`. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const [q, k, v] = signature as [ShapeDtype, ShapeDtype, ShapeDtype];
    if (q.shape.length !== 3 || k.shape.join(',') !== q.shape.join(',') || v.shape.length !== 3 || v.shape[1] !== q.shape[1]) {
      throw new Error(`${this.name}: expected q, k [n, L, d] and v [n, L, dV], got [${q.shape}], [${k.shape}], [${v.shape}]`);
    }
    return { shape: [q.shape[0]!, q.shape[1]!, v.shape[2]!], dtype: 'float32' };
  }

  /**
   * Causal scaled dot-product attention (with dropout in mode `train`); in mode `predict`, the new positions attend
   * over the cache they are appended to.
   */
  protected forward(inputs: Stack, _weights: Weights, state: State, rng: Key): [Stack, State] {
    const [q, k, v] = toList(inputs, 3, 'input') as [Tensor, Tensor, Tensor];
    this.outputSignature([q, k, v]);
    const length = q.shape[1]!;
    if (this.mode === 'predict') {
      const cache = readPredictCache(state, this.name);
      const start = cachedLength(cache, length, [q.shape[0]], this.name);
      const next = appendToCache(cache, k, v);
      const out = tf.tidy(() => {
        const bias = untaped(() => positionBias(start, length, (p, j) => j <= p).expandDims(0));
        return dotProductAttention(q, next.keys, next.values, { bias });
      });
      return [out, { ...next }];
    }
    const dropout = this.mode === 'train' ? this.dropout : 0;
    const out = tf.tidy(() => {
      // [1, L, L]: MASKED_BIAS where the key comes after the query; a constant, built off the tape.
      const bias = untaped(() => {
        const positions = tf.range(0, length, 1, 'float32');
        return tf.mul(tf.clipByValue(tf.sub(positions.expandDims(0), positions.expandDims(1)), 0, 1), MASKED_BIAS).expandDims(0);
      });
      return dotProductAttention(q, k, v, { bias, dropout, rng });
    });
    return [out, state];
  }
}

/**
 * Trax's `CausalAttention`: multi-head self-attention in which each position attends only to itself and earlier
 * positions, `x -> y` (no padding mask: a decoder's padding comes after the real tokens, so causality already
 * keeps it from real positions).
 *
 * Layout as in Trax: `Serial(Branch([Dense, SplitIntoHeads], [Dense, SplitIntoHeads], [Dense, SplitIntoHeads]),
 * DotProductCausalAttention, MergeHeads, Dense)`.
 * @public
 */
export function CausalAttention(dFeature: number, options: AttentionOptions = {}): SerialLayer {
  const { nHeads, dropout, mode } = checkOptions('CausalAttention', dFeature, options);
  const dHead = dFeature / nHeads;
  const split = (): Layer =>
    Fn(`SplitIntoHeads_h${nHeads}`, (x) => splitHeads(x, nHeads).reshape([-1, x.shape[1]!, dHead]), 1, {
      outputSignature: (s) => ({ shape: [s.shape[0]! * nHeads, s.shape[1]!, dHead], dtype: s.dtype }),
    });
  const merge = Fn(`MergeHeads_h${nHeads}`, (x) => mergeHeads(x.reshape([-1, nHeads, x.shape[1]!, x.shape[2]!])), 1, {
    outputSignature: (s) => ({ shape: [s.shape[0]! / nHeads, s.shape[1]!, s.shape[2]! * nHeads], dtype: s.dtype }),
  });
  const layer = namedSerial(`CausalAttention_h${nHeads}`, [
    Branch([Dense(dFeature), split()], [Dense(dFeature), split()], [Dense(dFeature), split()]),
    new DotProductCausalAttentionLayer(dropout, mode),
    merge,
    Dense(dFeature),
  ]);
  layer.mode = mode;
  return layer;
}
