/**
 * A character-level CNN that gives every word a vector from its spelling (Ma & Hovy, 2016; Lample et al., 2016):
 * what lets a tagger see that an unknown `Kyrgyzstan` looks like a place.
 *
 * Speed notes (wasm, one thread): the straightforward composition (embedding lookup, windows by pad/slice/concat,
 * `Dense`, max) cost about as much as the rest of a 2-block tagger, mostly in wasm's slow `GatherV2`, the concat's
 * `SplitV` gradient and products over mostly-padding character positions. Here:
 * - each distinct word of a batch is encoded once (its character ids are a row of the input; repeated rows, padding
 *   tokens included, share one computation), then the word vectors are gathered back to the tokens (an embedding
 *   lookup into the batch's word vectors);
 * - the convolution is never a product over windows: the character table is small, so each character's response
 *   at each of the 3 window offsets is computed once (`[V, dChar]·[dChar, 3F]`, a small product), and a window's
 *   response is the sum of its three characters' rows;
 * - that sum, the bias, the ReLU and the max over a word's characters are one host pass over the words' real
 *   characters only (words are short: GMB has about 6 characters of 16, and padding positions, which the max
 *   ignores, took most of the work), `relu(max_c(z_c + b))` (the max of the ReLU outputs, since both are
 *   monotonic), with a gradient to the first maximal character's three slots only (tfjs's max compares every
 *   element with the broadcast maximum, a slow broadcasting `Equal` on wasm, and its windows need a gather, pads,
 *   slices and a concat).
 * Results equal the plain composition's up to float32 rounding (sums in another order).
 */
import { tf } from '../../backend/tf.js';
import { Layer } from '../../core/base.js';
import { GlorotUniform, VarianceScaling, Zeros } from '../../layers/initializers.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { type Key, splitKey } from '../../rng/key.js';
import { embeddingLookup } from '../../layers/core/embedding.js';

type GradSave = (tensors: Tensor[]) => void;

/** Window width of the convolution (characters). */
const WIDTH = 3;

/** The real (non-padding) characters of distinct words: word `w`'s are rows `start[w] .. start[w + 1]` of `position`. */
interface RealCharacters {
  /** Each real character's position in its word's row of ids. */
  position: Int32Array;
  /** Where each word's characters start, and (last) their count: `[words + 1]`. */
  start: Int32Array;
}

/** The real characters of `words` rows of `chars` ids (0 = padding), word by word in order of position. */
function realCharacters(ids: Int32Array, words: number, chars: number): RealCharacters {
  const position: number[] = [];
  const start = new Int32Array(words + 1);
  for (let w = 0; w < words; w++) {
    start[w] = position.length;
    for (let c = 0; c < chars; c++) if (ids[w * chars + c] !== 0) position.push(c);
  }
  start[words] = position.length;
  return { position: Int32Array.from(position), start };
}

/**
 * The character id in each slot of the convolution windows at the real characters: for real character `r` (position
 * `c` of word `w`) and window offset `k`, slot `r * WIDTH + k` holds the id of character `c + k - 1` of the word, or
 * -1 where that lies beyond the word's ends or is padding (the slot's embedding counts as zeros).
 */
function windowIds(ids: Int32Array, chars: number, real: RealCharacters): Int32Array {
  const slots = new Int32Array(real.position.length * WIDTH).fill(-1);
  const words = real.start.length - 1;
  for (let w = 0; w < words; w++) {
    for (let r = real.start[w]!; r < real.start[w + 1]!; r++) {
      const c = real.position[r]!;
      for (let k = 0; k < WIDTH; k++) {
        const cc = c + k - 1;
        if (cc < 0 || cc >= chars) continue;
        const id = ids[w * chars + cc]!;
        if (id !== 0) slots[r * WIDTH + k] = id;
      }
    }
  }
  return slots;
}

/**
 * The convolution, bias, ReLU and max over each word's real characters in one host pass, from the per-character
 * filter responses `p: [V, WIDTH * F]` (`p[v, k F + f]`: character `v` at window offset `k` against filter `f`, the
 * product of the character table and the kernel) and the bias `b: [F]`: word `w`'s output is
 * `relu(max_r(p[id(r, 0), f] + p[id(r, 1), F + f] + p[id(r, 2), 2F + f] + b[f]))` over its real characters `r`
 * (empty slots add nothing), 0 for a word without real characters: the plain composition's max over the ReLU
 * outputs, padding counted as 0 (adding `b` and the ReLU are monotonic, so they commute with the max). The
 * gradient goes to the three slots of the first maximal character, where the output is positive.
 */
function poolOp(slots: Int32Array, real: RealCharacters): (p: Tensor, b: Tensor) => Tensor {
  return tf.customGrad(((p: Tensor, b: Tensor, save: GradSave) => {
    save([]);
    const f = b.shape[0];
    const rowWidth = WIDTH * f;
    const words = real.start.length - 1;
    const ps = p.dataSync() as Float32Array;
    const bs = b.dataSync() as Float32Array;
    const out = new Float32Array(words * f); // starts at 0: the ReLU's floor
    const arg = new Int32Array(words * f).fill(-1); // the character whose value is the output, where it is positive
    const z = new Float32Array(f); // one character's responses plus the bias, summed in float32
    for (let w = 0; w < words; w++) {
      const at = w * f;
      for (let r = real.start[w]!; r < real.start[w + 1]!; r++) {
        z.set(bs);
        for (let k = 0; k < WIDTH; k++) {
          const id = slots[r * WIDTH + k]!;
          if (id < 0) continue;
          const row = id * rowWidth + k * f;
          for (let j = 0; j < f; j++) z[j] = z[j]! + ps[row + j]!;
        }
        for (let j = 0; j < f; j++) {
          if (z[j]! > out[at + j]!) {
            out[at + j] = z[j]!;
            arg[at + j] = r;
          }
        }
      }
    }
    return {
      value: tf.tensor2d(out, [words, f]),
      gradFunc: (dy: Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dp = new Float32Array(p.size);
        const db = new Float32Array(f);
        for (let i = 0; i < arg.length; i++) {
          const r = arg[i]!;
          if (r < 0) continue;
          const j = i % f;
          db[j] = db[j]! + g[i]!;
          for (let k = 0; k < WIDTH; k++) {
            const id = slots[r * WIDTH + k]!;
            if (id >= 0) dp[id * rowWidth + k * f + j] = dp[id * rowWidth + k * f + j]! + g[i]!;
          }
        }
        return [tf.tensor2d(dp, p.shape as [number, number]), tf.tensor1d(db)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

/**
 * The distinct rows of `[N, C]` ids, and for each of the N rows the index of its distinct row. Rows are told apart
 * by a string of their ids as UTF-16 code units (two per id when an id may exceed 16 bits: `wide`).
 */
function distinctRows(ids: Int32Array, n: number, c: number, wide: boolean): { rows: Int32Array; count: number; index: Int32Array } {
  const seen = new Map<string, number>();
  const index = new Int32Array(n);
  const rows: number[] = [];
  const codes = new Array<number>(wide ? 2 * c : c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const id = ids[i * c + j]!;
      if (wide) {
        codes[2 * j] = id & 0xffff;
        codes[2 * j + 1] = id >>> 16;
      } else codes[j] = id;
    }
    const key = String.fromCharCode(...codes);
    let at = seen.get(key);
    if (at === undefined) {
      at = seen.size;
      seen.set(key, at);
      for (let j = 0; j < c; j++) rows.push(ids[i * c + j]!);
    }
    index[i] = at;
  }
  return { rows: Int32Array.from(rows), count: seen.size, index };
}

/** Options of {@link CharCnn}. @public */
export interface CharCnnOptions {
  /** Size of the character vocabulary (id 0 is padding). */
  readonly charVocabSize: number;
  /** Width of the character embeddings. */
  readonly dChar: number;
  /** Number of convolution filters (window of 3 characters). */
  readonly filters: number;
  /** Width of the output vectors. */
  readonly dOut: number;
}

/**
 * Character ids `int32 [B, L, C]` (C characters per word, 0 = padding) to word vectors `[B, L, dOut]`: character
 * embeddings `[charVocabSize, dChar]`, a convolution over windows of 3 neighbouring characters (zeros beyond the
 * word and at padding) with `filters` filters and a ReLU, the maximum over the word's real characters (padding
 * positions count as 0, below any ReLU output), and a dense projection to `dOut`. A padded token (all ids 0)
 * gives the projection's bias.
 *
 * Weights `{ chars: [V, dChar], w: [3 dChar, filters], b: [filters], wOut: [filters, dOut], bOut: [dOut] }`.
 * See the module notes for how it is computed fast. Named `CharCnn`.
 * @public
 */
export class CharCnnLayer extends Layer {
  /** The number of character ids (the embedding's rows). */
  readonly charVocabSize: number;
  /** The size of each character embedding. */
  readonly dChar: number;
  /** The number of convolution filters (the width of the pooled vector). */
  readonly filters: number;
  /** The size of each word vector the layer gives. */
  readonly dOut: number;

  constructor(options: CharCnnOptions) {
    super({ name: 'CharCnn' });
    for (const key of ['charVocabSize', 'dChar', 'filters', 'dOut'] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`CharCnn: ${key} must be a positive integer, got ${String(v)}`);
    }
    this.charVocabSize = options.charVocabSize;
    this.dChar = options.dChar;
    this.filters = options.filters;
    this.dOut = options.dOut;
  }

  private check(s: ShapeDtype): void {
    if (s.dtype !== 'int32' || s.shape.length !== 3)
      throw new TypeError(`${this.name}: expected character ids int32 [batch, length, chars], got ${s.dtype}[${s.shape.join(',')}]`);
  }

  /**
   * `chars`, `w`, `b`, `wOut`, `bOut` as in the class comment (embeddings variance-scaled, kernels Glorot-uniform,
   * biases zero).
   */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    this.check(signature[0]!);
    const [k1, k2, k3] = splitKey(rng, 3) as [Key, Key, Key];
    return {
      weights: {
        chars: VarianceScaling({ mode: 'fan_out', distribution: 'uniform' })(k1, [this.charVocabSize, this.dChar]),
        w: GlorotUniform()(k2, [WIDTH * this.dChar, this.filters]),
        b: Zeros()(k2, [this.filters]),
        wOut: GlorotUniform()(k3, [this.filters, this.dOut]),
        bOut: Zeros()(k3, [this.dOut]),
      },
      state: {},
    };
  }

  /** `[B, L, dOut]` float32 for int32 character ids `[B, L, C]`. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const s = signature[0]!;
    this.check(s);
    return { shape: [s.shape[0]!, s.shape[1]!, this.dOut], dtype: 'float32' };
  }

  /**
   * Embeds, convolves and max-pools each distinct word's characters once, projects to `dOut`, and gathers the words'
   * vectors back into `[B, L, dOut]`.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const ids = inputs as Tensor;
    this.check(ids);
    const [b, l, c] = ids.shape as [number, number, number];
    const values = ids.dataSync() as Int32Array;
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < 0 || values[i]! >= this.charVocabSize)
        throw new RangeError(`${this.name}: character id ${values[i]} is outside the vocabulary [0, ${this.charVocabSize})`);
    }
    const { rows, count, index } = distinctRows(values, b * l, c, this.charVocabSize > 0xffff);
    const real = realCharacters(rows, count, c);
    const w = weights as Record<string, Tensor>;
    // Each character's response at each window offset, [V, 3F]: the table times the kernel's three [dChar, F] blocks.
    const blocks = tf.reshape(tf.transpose(tf.reshape(w['w']!, [WIDTH, this.dChar, this.filters]), [1, 0, 2]), [this.dChar, -1]);
    const pooled = poolOp(windowIds(rows, c, real), real)(tf.matMul(w['chars']!, blocks), w['b']!); // [W, F]
    const words = tf.add(tf.matMul(pooled, w['wOut']!), w['bOut']!); // [W, dOut]
    const tokens = embeddingLookup(words, tf.tensor1d(index, 'int32')); // [B * L, dOut]
    return [tf.reshape(tokens, [b, l, this.dOut]), state];
  }
}

/** A character CNN (see {@link CharCnnLayer}). @public */
export function CharCnn(options: CharCnnOptions): CharCnnLayer {
  return new CharCnnLayer(options);
}
