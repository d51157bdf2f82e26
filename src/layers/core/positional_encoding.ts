import { tf } from '../../backend/tf.js';
import type { Key } from '../../rng/key.js';
import { bernoulli } from '../../rng/random.js';
import { Layer } from '../../core/base.js';
import type { Mode, ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { expectFloat, normalizeAxis, weightOf } from './checks.js';

/** Options of {@link PositionalEncoding}. @public */
export interface PositionalEncodingOptions {
  /** The longest sequence the layer accepts: the number of rows of its table (default 2048). */
  maxLen?: number;
  /**
   * In mode `train`, the probability of dropping (zeroing) an entry of the encoding added to the input, with the
   * survivors scaled by `1 / (1 - dropout)` (default 0).
   */
  dropout?: number;
  /**
   * Axes of the `[1, L, D]` encoding along which the dropout mask is shared (default `[-2]`, as Trax: one mask
   * over the features, shared by all positions).
   */
  dropoutBroadcastDims?: readonly number[];
  /** The initial mode (default `train`); setting `mode` on the layer or an enclosing model changes it. */
  mode?: Mode;
}

/**
 * The sinusoidal table of Vaswani et al. (2017), as Trax initialises it: row `p`, column `2k` is
 * `sin(p / 10000^(2k/D))` and column `2k + 1` is `cos(p / 10000^(2k/D))`. Computed in float64 on the host.
 * @public
 */
export function sinusoidalTable(maxLen: number, depth: number): Tensor {
  const table = new Float32Array(maxLen * depth);
  for (let k = 0; 2 * k < depth; k++) {
    const frequency = Math.exp(-(2 * k) * (Math.log(10000) / depth));
    for (let p = 0; p < maxLen; p++) {
      table[p * depth + 2 * k] = Math.sin(p * frequency);
      if (2 * k + 1 < depth) table[p * depth + 2 * k + 1] = Math.cos(p * frequency);
    }
  }
  return tf.tensor2d(table, [maxLen, depth], 'float32');
}

/**
 * Adds a position code to each position of a sequence of vectors `[B, L, D]`: row `p` of a `[maxLen, D]` table
 * is added at position `p`. The table starts as Trax's sin/cos encoding ({@link sinusoidalTable}) and is a
 * trainable weight, `{ w: [maxLen, D] }`. In mode `train` with `dropout` > 0, entries of the added code are
 * dropped at random (the input itself is never dropped).
 *
 * In mode `predict` (set before `init`), the layer decodes incrementally as in Trax: its state `{ index }` counts
 * the positions seen so far, and each call adds the rows from there on.
 *
 * Options: `maxLen` (default 2048), `dropout` (default 0), `dropoutBroadcastDims` (default `[-2]`), `mode`.
 * @public
 */
export class PositionalEncodingLayer extends Layer {
  /** The number of rows of the table: the longest sequence the layer takes. */
  readonly maxLen: number;
  /** The rate at which entries of the added code are dropped in mode `train`. */
  readonly dropout: number;
  /**
   * Axes of the `[1, L, D]` code along which one dropout mask is shared (default `[-2]`: the same for every
   * position).
   */
  readonly dropoutBroadcastDims: readonly number[];

  constructor(options: PositionalEncodingOptions = {}) {
    super({ name: 'PositionalEncoding' });
    this.maxLen = options.maxLen ?? 2048;
    this.dropout = options.dropout ?? 0;
    this.dropoutBroadcastDims = [...(options.dropoutBroadcastDims ?? [-2])];
    if (!Number.isInteger(this.maxLen) || this.maxLen < 1)
      throw new RangeError(`PositionalEncoding: maxLen must be a positive integer, got ${this.maxLen}`);
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new RangeError(`PositionalEncoding: dropout must be in [0, 1), got ${this.dropout}`);
    if (options.mode !== undefined) this.mode = options.mode;
  }

  private check(x: ShapeDtype): void {
    expectFloat(x, this.name);
    if (x.shape.length !== 3)
      throw new RangeError(`${this.name}: expected an input of shape [batch, length, depth], got [${x.shape.join(',')}]`);
    if (x.shape[1]! > this.maxLen) throw new RangeError(`${this.name}: sequence length ${x.shape[1]} exceeds maxLen ${this.maxLen}`);
  }

  /** The `[maxLen, D]` table initialised with sin/cos, and in mode `predict` the position counter `{ index }`. */
  protected override initWeightsAndState(signature: ShapeDtype[], _rng: Key): { weights: Weights; state: State } {
    const x = signature[0]!;
    this.check(x);
    const state: State = this.mode === 'predict' ? { index: tf.scalar(0, 'int32') } : {};
    return { weights: { w: sinusoidalTable(this.maxLen, x.shape[2]!) }, state };
  }

  /** The input's signature (`[B, L, D]`, with `L <= maxLen`). */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    this.check(signature[0]!);
    return signature[0]!;
  }

  /**
   * `x` plus rows `0..L` of the table (with dropout in mode `train`); in mode `predict`, the rows from the counter
   * on.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    this.check(x);
    const table = weightOf(weights, 'w', this.name);
    const [, length, depth] = x.shape as [number, number, number];
    if (table.shape[1] !== depth) throw new RangeError(`${this.name}: input depth ${depth} does not match the table [${table.shape}]`);
    if (this.mode === 'predict') return this.forwardPredict(x, table, state);
    let code = tf.slice(table, [0, 0], [length, depth]);
    if (this.mode === 'train' && this.dropout > 0) {
      const maskShape = [1, length, depth];
      for (const dim of this.dropoutBroadcastDims) maskShape[normalizeAxis(dim, 3, this.name)] = 1;
      const keepProb = 1 - this.dropout;
      const keep = bernoulli(rng, keepProb, maskShape);
      code = tf.mul(code, tf.div(keep, keepProb));
    }
    return [tf.add(x, code), state];
  }

  private forwardPredict(x: Tensor, table: Tensor, state: State): [Stack, State] {
    const index = state['index'];
    if (!(index instanceof tf.Tensor)) {
      throw new Error(`${this.name}: mode 'predict' needs the position state; set mode to 'predict' before init`);
    }
    const start = index.dataSync()[0]!;
    const length = x.shape[1]!;
    if (start + length > this.maxLen) throw new RangeError(`${this.name}: position ${start + length} exceeds maxLen ${this.maxLen}`);
    const code = tf.slice(table, [start, 0], [length, x.shape[2]!]);
    return [tf.add(x, code), { index: tf.scalar(start + length, 'int32') }];
  }
}

/**
 * Trainable positional encoding initialised with sin/cos (see {@link PositionalEncodingLayer}).
 *
 * @example
 * ```ts
 * const model = Serial(Embedding(vocab, 512), PositionalEncoding({ maxLen: 1024, dropout: 0.1 }));
 * ```
 * @public
 */
export function PositionalEncoding(options: PositionalEncodingOptions = {}): PositionalEncodingLayer {
  return new PositionalEncodingLayer(options);
}
