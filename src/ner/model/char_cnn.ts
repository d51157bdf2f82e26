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
 * - the character windows are gathered on the host in one pass from the small character table (a custom op whose
 *   gradient scatter-adds on the host), instead of a device gather, pads, slices and a concat;
 * - the max over characters has a one-hot-of-argmax gradient (tfjs's compares every element with the broadcast
 *   maximum, a slow broadcasting `Equal` on wasm).
 * Results equal the plain composition's.
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

/**
 * Max over axis 1 of `[N, C, F]` with a gradient that goes to the (first) maximal element through a one-hot of
 * the argmax.
 */
const maxOverAxis1: (x: Tensor) => Tensor = tf.customGrad(((x: Tensor, save: GradSave) => {
  const [n, c, f] = x.shape as [number, number, number];
  const arg = tf.argMax(x, 1); // [N, F]
  save([arg]);
  return {
    value: tf.max(x, 1),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const hot = tf.transpose(tf.reshape(tf.oneHot(tf.reshape(saved[0]!, [n * f]), c), [n, f, c]), [0, 2, 1]); // [N, C, F]
      return [tf.mul(hot, tf.reshape(dy, [n, 1, f]))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Visits every filled slot of the convolution windows of character rows (see {@link windowsOp}): for position `c`
 * of word `w` and window offset `k`, when character `c + k - 1` lies inside the word and is not padding, calls
 * `visit` with the offset of that character's row in the `[V, D]` table and the offset of the slot in the
 * `[W * C, WIDTH * D]` windows (both flat). Empty slots (beyond the word's ends, padding characters) are skipped.
 */
function forEachWindowSlot(
  ids: Int32Array,
  words: number,
  chars: number,
  d: number,
  visit: (tableAt: number, windowAt: number) => void,
): void {
  const rowWidth = WIDTH * d;
  for (let w = 0; w < words; w++) {
    for (let c = 0; c < chars; c++) {
      const at = (w * chars + c) * rowWidth;
      for (let k = 0; k < WIDTH; k++) {
        const cc = c + k - 1;
        if (cc < 0 || cc >= chars) continue;
        const id = ids[w * chars + cc]!;
        if (id === 0) continue;
        visit(id * d, at + k * d);
      }
    }
  }
}

/**
 * The convolution windows of character rows, `[W * C, WIDTH * D]`: for position `c` of word `w`, the embeddings of
 * characters `c - 1`, `c`, `c + 1` side by side (zeros beyond the word's ends and at padding characters). Gathered
 * on the host from the `[V, D]` table; the gradient scatter-adds back into the table on the host. `ids` are the
 * words' character ids, `[W * C]`.
 */
function windowsOp(ids: Int32Array, words: number, chars: number): (table: Tensor) => Tensor {
  return tf.customGrad(((table: Tensor, save: GradSave) => {
    save([]);
    const [, d] = table.shape as [number, number];
    const values = table.dataSync() as Float32Array;
    const rowWidth = WIDTH * d;
    const out = new Float32Array(words * chars * rowWidth);
    forEachWindowSlot(ids, words, chars, d, (tableAt, windowAt) => out.set(values.subarray(tableAt, tableAt + d), windowAt));
    return {
      value: tf.tensor2d(out, [words * chars, rowWidth]),
      gradFunc: (dy: Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const grad = new Float32Array(table.size);
        forEachWindowSlot(ids, words, chars, d, (tableAt, windowAt) => {
          for (let j = 0; j < d; j++) grad[tableAt + j]! += g[windowAt + j]!;
        });
        return [tf.tensor2d(grad, table.shape as [number, number])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

/** The distinct rows of `[N, C]` ids, and for each of the N rows the index of its distinct row. */
function distinctRows(ids: Int32Array, n: number, c: number): { rows: Int32Array; count: number; index: Int32Array } {
  const seen = new Map<string, number>();
  const index = new Int32Array(n);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = ids.subarray(i * c, (i + 1) * c);
    const key = row.join(',');
    let at = seen.get(key);
    if (at === undefined) {
      at = seen.size;
      seen.set(key, at);
      for (let j = 0; j < c; j++) rows.push(row[j]!);
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
    const { rows, count, index } = distinctRows(values, b * l, c);
    const w = weights as Record<string, Tensor>;
    const windows = windowsOp(rows, count, c)(w['chars']!); // [W * C, 3 dChar]
    const h = tf.relu(tf.add(tf.matMul(windows, w['w']!), w['b']!)); // [W * C, F]
    const real = tf.tensor3d(
      Float32Array.from(rows, (id) => (id === 0 ? 0 : 1)),
      [count, c, 1],
    );
    const pooled = maxOverAxis1(tf.mul(tf.reshape(h, [count, c, this.filters]), real)); // [W, F]
    const words = tf.add(tf.matMul(pooled, w['wOut']!), w['bOut']!); // [W, dOut]
    const tokens = embeddingLookup(words, tf.tensor1d(index, 'int32')); // [B * L, dOut]
    return [tf.reshape(tokens, [b, l, this.dOut]), state];
  }
}

/** A character CNN (see {@link CharCnnLayer}). @public */
export function CharCnn(options: CharCnnOptions): CharCnnLayer {
  return new CharCnnLayer(options);
}
