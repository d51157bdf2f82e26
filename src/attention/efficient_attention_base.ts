import { tf } from '../backend/tf.js';
import { Layer } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { Mode, ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';
import { type Key, splitKey } from '../rng/key.js';
import { bernoulli } from '../rng/random.js';
import { attentionKernel, flattenTokens, mergeHeadsToRows, projectToHeads } from './heads.js';
import { paddingMaskProblem, paddingMaskRows } from './padding_mask.js';
import { cachedLength, emptyPredictCache, type PredictCache, readPredictCache } from './predict_cache.js';
import { checkInteger, checkMode, checkRate } from './validation.js';

/** Options shared by {@link SelfAttention} and {@link LSHSelfAttention}. @public */
export interface EfficientAttentionOptions {
  /** Number of attention heads (default 2, as in Trax). */
  nHeads?: number;
  /** Depth of each head's queries and keys (default 64, as in Trax). */
  dQk?: number;
  /** Depth of each head's values (default 64, as in Trax). */
  dV?: number;
  /** Whether a position attends only to itself and earlier positions (default false). */
  causal?: boolean;
  /**
   * Whether the layer takes a padding mask: `true` makes it a 2 -> 2 layer `(x, mask) -> (y, mask)` that passes the
   * mask through unchanged (see `padding_mask.ts` for the accepted shapes); `false` (default) a 1 -> 1 layer.
   */
  masked?: boolean;
  /** Dropout rate on the attention weights in `train` mode (default 0). */
  attentionDropout?: number;
  /** Dropout rate on the output in `train` mode, one pattern over the feature axis (Trax's broadcast dropout; default 0). */
  outputDropout?: number;
  /**
   * Initial mode (default 'train'). In `predict` (set before `init`) a causal layer decodes incrementally: it keeps
   * a key/value cache in its state, takes one position (or a few) per call and attends over the cache, so that each
   * new position costs time linear in the positions before it; the signature it is initialised with gives the most
   * positions it holds. See {@link EfficientAttentionBase}.
   */
  mode?: Mode;
}

/** The random keys one forward pass uses, split from the layer's key in this order. @public */
export interface AttentionKeys {
  /** For the LSH random rotations (unused by full and chunked attention). */
  hash: Key;
  /** For dropout on the attention weights. */
  attention: Key;
  /** For dropout on the output. */
  output: Key;
}

/** Splits a layer key into the keys of one forward pass (the same key always gives the same three). @public */
export function attentionKeys(rng: Key): AttentionKeys {
  const [hash, attention, output] = splitKey(rng, 3) as [Key, Key, Key];
  return { hash, attention, output };
}

/** What a subclass's attention computation receives. @public */
export interface AttentionInputs {
  /** The inputs as rows `[B * L, dModel]`. */
  rows: Tensor;
  /** The batch size `B`. */
  batch: number;
  /** The sequence length `L`. */
  length: number;
  /** float32 `[B, L]`: 1 for real tokens, 0 for padding; undefined when the layer is unmasked. */
  valid: Tensor | undefined;
}

/**
 * The shared part of Trax's efficient self-attention layers: weights `wq` (`[dModel, nHeads*dQk]`), `wk` unless
 * queries and keys are shared, `wv` (`[dModel, nHeads*dV]`) and `wo` (`[nHeads*dV, dModel]`), heads side by side;
 * input handling and the padding-mask convention; the output projection and dropout. Subclasses compute the
 * per-head attention (`[B, nHeads, L, dV]`).
 *
 * **Mode `predict`** (incremental decoding, as Trax's predict mode): set the mode before `init`; the signature's
 * length is the most positions the layer will hold. The state then holds a cache (`keys`, `values`: the projected
 * keys and values of every position seen so far, `[B, nHeads, t, d]`, and `maxLen`), each call takes the next
 * `n >= 1` positions, appends them to the cache and lets each of them attend over the cache (`[n, t]` scores,
 * linear in `t` per position). Each position's output is exactly the one the layer gives it in `eval` mode on the
 * sequence that ends with it, so decoding with the cache gives what running the layer on the growing prefix gives.
 * Only causal, unmasked layers decode incrementally; others refuse mode `predict` at `init`.
 * @public
 */
export abstract class EfficientAttentionBase extends Layer {
  /** The number of attention heads. */
  readonly nHeads: number;
  /** The depth of each head's queries and keys. */
  readonly dQk: number;
  /** The depth of each head's values. */
  readonly dV: number;
  /** Whether a position attends only to itself and earlier positions. */
  readonly causal: boolean;
  /** Whether the layer takes a padding mask, as a 2 -> 2 layer `(x, mask) -> (y, mask)`. */
  readonly masked: boolean;
  /** The dropout rate on the attention weights in mode `train`. */
  readonly attentionDropout: number;
  /** The dropout rate on the output in mode `train`, one pattern over the feature axis for every position. */
  readonly outputDropout: number;
  /** Whether keys are the (length-normalised) queries. */
  abstract readonly shareQk: boolean;

  protected constructor(kind: string, name: string, options: EfficientAttentionOptions) {
    const masked = options.masked ?? false;
    super({ nIn: masked ? 2 : 1, nOut: masked ? 2 : 1, name });
    this.nHeads = checkInteger(kind, 'nHeads', options.nHeads ?? 2, 1);
    this.dQk = checkInteger(kind, 'dQk', options.dQk ?? 64, 1);
    this.dV = checkInteger(kind, 'dV', options.dV ?? 64, 1);
    if (options.causal !== undefined && typeof options.causal !== 'boolean') throw new TypeError(`${kind}: causal must be a boolean`);
    if (options.masked !== undefined && typeof options.masked !== 'boolean') throw new TypeError(`${kind}: masked must be a boolean`);
    this.causal = options.causal ?? false;
    this.masked = masked;
    this.attentionDropout = checkRate(kind, 'attentionDropout', options.attentionDropout ?? 0);
    this.outputDropout = checkRate(kind, 'outputDropout', options.outputDropout ?? 0);
    this.mode = checkMode(kind, options.mode ?? 'train');
  }

  /** Whether dropout is active (train mode). */
  protected get training(): boolean {
    return this.mode === 'train';
  }

  /** Validates the input signature and returns `[batch, length, dModel]`. */
  protected checkSignature(signature: readonly ShapeDtype[]): [number, number, number] {
    const x = signature[0]!;
    if (x.shape.length !== 3) throw new Error(`${this.name}: expected activations [batch, length, dModel], got [${x.shape.join(', ')}]`);
    if (x.dtype !== 'float32') throw new Error(`${this.name}: activations must be float32, got ${x.dtype}`);
    const [batch, length, dModel] = x.shape as [number, number, number];
    if (length < 1) throw new Error(`${this.name}: the sequence is empty`);
    if (this.masked) {
      const problem = paddingMaskProblem(signature[1]!, batch, length);
      if (problem) throw new Error(`${this.name}: ${problem}`);
    }
    return [batch, length, dModel];
  }

  /**
   * `wq`, `wk` (unless `shareQk`), `wv` and `wo` for inputs of depth `dModel`; in mode `predict`, an empty cache for
   * the signature's length.
   */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const [, , dModel] = this.checkSignature(signature);
    const [kq, kk, kv, ko] = splitKey(rng, 4) as [Key, Key, Key, Key];
    const weights: Weights = { wq: attentionKernel(kq, [dModel, this.nHeads * this.dQk]) };
    if (!this.shareQk) weights.wk = attentionKernel(kk, [dModel, this.nHeads * this.dQk]);
    weights.wv = attentionKernel(kv, [dModel, this.nHeads * this.dV]);
    weights.wo = attentionKernel(ko, [this.nHeads * this.dV, dModel]);
    return { weights, state: this.mode === 'predict' ? this.emptyCache(signature[0]!.shape[0]!, signature[0]!.shape[1]!) : {} };
  }

  /** The state of mode `predict` before the first position: an empty cache for `maxLen` positions. */
  protected emptyCache(batch: number, maxLen: number): State {
    if (!this.causal || this.masked) {
      throw new Error(`${this.name}: mode 'predict' (incremental decoding) needs a causal, unmasked attention layer`);
    }
    return emptyPredictCache([batch, this.nHeads], this.dQk, this.dV, maxLen);
  }

  /** The input signature (attention keeps `[B, L, dModel]`, and passes the mask through). */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    this.checkSignature(signature);
    return fromList(signature.map((s) => ({ shape: [...s.shape], dtype: s.dtype })));
  }

  /** Splits the stack into activations and the (optional) mask, validating shapes. */
  protected parseInputs(inputs: Stack): { x: Tensor; mask: Tensor | undefined; batch: number; length: number; dModel: number } {
    const items = toList(inputs, this.nIn, 'input');
    const [batch, length, dModel] = this.checkSignature(items.map((t) => ({ shape: t.shape, dtype: t.dtype })));
    return { x: items[0]!, mask: items[1], batch, length, dModel };
  }

  /** Checks that `weights` fit inputs of depth `dModel`. */
  protected checkWeights(weights: Weights, dModel: number): void {
    const wq = weights.wq as Tensor | undefined;
    const wo = weights.wo as Tensor | undefined;
    if (
      !(wq instanceof tf.Tensor) ||
      !(wo instanceof tf.Tensor) ||
      !(weights.wv instanceof tf.Tensor) ||
      (!this.shareQk && !(weights.wk instanceof tf.Tensor))
    ) {
      throw new Error(`${this.name}: weights must hold ${this.shareQk ? 'wq, wv, wo' : 'wq, wk, wv, wo'}; was the layer initialised?`);
    }
    if (wq.shape[0] !== dModel || wo.shape[1] !== dModel) {
      throw new Error(`${this.name}: weights were made for dModel ${wq.shape[0]}, inputs have dModel ${dModel}`);
    }
    const qkWidth = this.nHeads * this.dQk;
    const vWidth = this.nHeads * this.dV;
    const wk = weights.wk as Tensor | undefined;
    const wv = weights.wv;
    if (wq.shape[1] !== qkWidth || (wk && wk.shape[1] !== qkWidth) || wv.shape[1] !== vWidth || wo.shape[0] !== vWidth) {
      throw new Error(
        `${this.name}: weights do not fit ${this.nHeads} heads of dQk ${this.dQk} and dV ${this.dV}: ` +
          `wq [${wq.shape}], wv [${wv.shape}], wo [${wo.shape}]`,
      );
    }
  }

  /** The per-head attention, `[B, nHeads, L, dV]`. Runs inside a `tf.tidy`. */
  protected abstract attendHeads(inputs: AttentionInputs, weights: Weights, keys: AttentionKeys): Tensor;

  /**
   * Mode `predict`: the per-head attention (`[B, nHeads, n, dV]`) of `n` new positions, given as rows and their
   * queries `[B, nHeads, n, dQk]`, that follow `start` cached ones, and the new state. Runs inside a `tf.tidy`.
   */
  protected abstract attendCached(
    rows: Tensor,
    queries: Tensor,
    cache: PredictCache,
    state: State,
    start: number,
    weights: Weights,
    keys: AttentionKeys,
  ): { heads: Tensor; state: State };

  /** One call in mode `predict`: see the class comment. */
  private forwardPredict(
    x: Tensor,
    batch: number,
    length: number,
    dModel: number,
    weights: Weights,
    state: State,
    keys: AttentionKeys,
  ): [Stack, State] {
    const cache = readPredictCache(state, this.name);
    const start = cachedLength(cache, length, [batch, this.nHeads], this.name);
    const result = tf.tidy(() => {
      const rows = flattenTokens(x);
      const queries = projectToHeads(rows, weights.wq as Tensor, batch, length, this.nHeads);
      const { heads, state: next } = this.attendCached(rows, queries, cache, state, start, weights, keys);
      const y = tf.matMul(mergeHeadsToRows(heads), weights.wo as Tensor).reshape([batch, length, dModel]);
      return { y, next };
    });
    return [result.y, result.next];
  }

  /**
   * Projects the inputs to heads, lets the subclass attend (`attendHeads`, or `attendCached` in mode `predict`), and
   * projects the merged heads back to `dModel` with output dropout.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const { x, mask, batch, length, dModel } = this.parseInputs(inputs);
    this.checkWeights(weights, dModel);
    const keys = attentionKeys(rng);
    if (this.mode === 'predict') return this.forwardPredict(x, batch, length, dModel, weights, state, keys);
    const y = tf.tidy(() => {
      const valid = mask ? paddingMaskRows(mask, batch, length) : undefined;
      const heads = this.attendHeads({ rows: flattenTokens(x), batch, length, valid }, weights, keys);
      let out = tf.matMul(mergeHeadsToRows(heads), weights.wo as Tensor);
      if (this.training && this.outputDropout > 0) {
        const keep = bernoulli(keys.output, 1 - this.outputDropout, [dModel]);
        out = tf.mul(out, tf.div(keep, 1 - this.outputDropout));
      }
      return out.reshape([batch, length, dModel]);
    });
    return [mask ? [y, mask] : y, state];
  }
}
