import { tf } from '../backend/tf.js';
import { dotProductAttention } from '../attention/dot_product_attention.js';
import { Layer } from '../core/base.js';
import { toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';
import { type Key, splitKey } from '../rng/key.js';
import { bernoulli, uniform } from '../rng/random.js';
import { checkInt, checkRate } from './config_checks.js';
import type { Mode } from '../core/types.js';

/** Options of {@link EncDecAttention}. @public */
export interface EncDecAttentionOptions {
  /** The number of attention heads. */
  nHeads: number;
  /** The depth of each head's queries and keys. */
  dQk: number;
  /** The depth of each head's values. */
  dV: number;
  /** Dropout on the attention weights in mode `train` (default 0). */
  attentionDropout?: number;
  /** Dropout on the output in mode `train`, one pattern over the features (default 0). */
  outputDropout?: number;
  /** The mode the layer starts in (default `'train'`); dropout is active only in `'train'`. */
  mode?: Mode;
}

/**
 * Encoder-decoder (cross) attention, Trax's `EncDecAttention`: queries from the decoder activations `x`
 * (`[B, Lq, D]`), keys and values from the encoder activations `enc` (`[B, Lk, D]`), padded encoder positions
 * masked out by `mask` (`[B, Lk]` or `[B, 1, 1, Lk]`, non-zero = real token). A 3 -> 3 layer:
 * `x, enc, mask -> y, enc, mask`. Weights `{ wq, wk, wv, wo }`, heads side by side. Named `EncDecAttention_h<n>`.
 * @public
 */
export class EncDecAttentionLayer extends Layer {
  /** The number of attention heads. */
  readonly nHeads: number;
  /** The depth of each head's queries and keys. */
  readonly dQk: number;
  /** The depth of each head's values. */
  readonly dV: number;
  /** The dropout rate on the attention weights in mode `train`. */
  readonly attentionDropout: number;
  /** The dropout rate on the output in mode `train`, one pattern over the features. */
  readonly outputDropout: number;

  constructor(options: EncDecAttentionOptions) {
    const nHeads = checkInt('EncDecAttention', 'nHeads', options.nHeads);
    super({ nIn: 3, nOut: 3, name: `EncDecAttention_h${nHeads}` });
    this.nHeads = nHeads;
    this.dQk = checkInt('EncDecAttention', 'dQk', options.dQk);
    this.dV = checkInt('EncDecAttention', 'dV', options.dV);
    this.attentionDropout = checkRate('EncDecAttention', 'attentionDropout', options.attentionDropout ?? 0);
    this.outputDropout = checkRate('EncDecAttention', 'outputDropout', options.outputDropout ?? 0);
    if (options.mode !== undefined) this.mode = options.mode;
  }

  private check(x: ShapeDtype, enc: ShapeDtype, mask: ShapeDtype): void {
    if (x.shape.length !== 3 || enc.shape.length !== 3) {
      throw new Error(
        `${this.name}: expected decoder and encoder activations [batch, length, dModel], got [${x.shape}] and [${enc.shape}]`,
      );
    }
    if (x.dtype !== 'float32' || enc.dtype !== 'float32') throw new Error(`${this.name}: activations must be float32`);
    if (x.shape[0] !== enc.shape[0] || x.shape[2] !== enc.shape[2]) {
      throw new Error(`${this.name}: decoder [${x.shape}] and encoder [${enc.shape}] activations differ in batch or dModel`);
    }
    const [b, lk] = [enc.shape[0]!, enc.shape[1]!];
    const s = mask.shape;
    const ok = (s.length === 2 && s[0] === b && s[1] === lk) || (s.length === 4 && s[0] === b && s[1] === 1 && s[2] === 1 && s[3] === lk);
    if (!ok) throw new Error(`${this.name}: the encoder mask must have shape [${b}, ${lk}] or [${b}, 1, 1, ${lk}], got [${s.join(', ')}]`);
  }

  /** `wq`, `wk` (`[D, nHeads·dQk]`), `wv` (`[D, nHeads·dV]`) and `wo` (`[nHeads·dV, D]`), Glorot-uniform. */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const [x, enc, mask] = signature as [ShapeDtype, ShapeDtype, ShapeDtype];
    this.check(x, enc, mask);
    const d = x.shape[2]!;
    const kernel = (key: Key, rows: number, cols: number): Tensor => {
      const limit = Math.sqrt(6 / (rows + cols));
      return uniform(key, [rows, cols], -limit, limit);
    };
    const [kq, kk, kv, ko] = splitKey(rng, 4) as [Key, Key, Key, Key];
    const hq = this.nHeads * this.dQk;
    const hv = this.nHeads * this.dV;
    return { weights: { wq: kernel(kq, d, hq), wk: kernel(kk, d, hq), wv: kernel(kv, d, hv), wo: kernel(ko, hv, d) }, state: {} };
  }

  /** The input signature: `y` has the shape of `x`, and `enc` and `mask` pass through. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const [x, enc, mask] = signature as [ShapeDtype, ShapeDtype, ShapeDtype];
    this.check(x, enc, mask);
    return signature;
  }

  /**
   * Decoder queries attend over the encoder's keys and values, padded encoder positions masked out; `enc` and `mask`
   * pass through.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const [x, enc, mask] = toList(inputs, 3, 'input') as [Tensor, Tensor, Tensor];
    this.check(x, enc, mask);
    const [batch, lq, d] = x.shape as [number, number, number];
    const lk = enc.shape[1]!;
    const [attentionKey, outputKey] = splitKey(rng, 2) as [Key, Key];
    const training = this.mode === 'train';
    const heads = (rows: Tensor, w: Tensor, length: number): Tensor =>
      tf.transpose(tf.matMul(rows, w).reshape([batch, length, this.nHeads, -1]), [0, 2, 1, 3]);
    const y = tf.tidy(() => {
      const q = heads(x.reshape([-1, d]), weights.wq as Tensor, lq);
      const encRows = enc.reshape([-1, d]);
      const k = heads(encRows, weights.wk as Tensor, lk);
      const v = heads(encRows, weights.wv as Tensor, lk);
      const keyMask = tf.notEqual(mask, 0).reshape([batch, 1, 1, lk]);
      const out = dotProductAttention(q, k, v, {
        mask: keyMask,
        dropout: training ? this.attentionDropout : 0,
        rng: attentionKey,
        broadcastDropout: true,
      });
      let rows = tf.matMul(tf.transpose(out, [0, 2, 1, 3]).reshape([batch * lq, -1]), weights.wo as Tensor);
      if (training && this.outputDropout > 0) {
        const keep = bernoulli(outputKey, 1 - this.outputDropout, [d]);
        rows = tf.mul(rows, tf.div(keep, 1 - this.outputDropout));
      }
      return rows.reshape([batch, lq, d]);
    });
    return [[y, enc, mask], state];
  }
}

/** Encoder-decoder attention (see {@link EncDecAttentionLayer}). @public */
export function EncDecAttention(options: EncDecAttentionOptions): EncDecAttentionLayer {
  return new EncDecAttentionLayer(options);
}
