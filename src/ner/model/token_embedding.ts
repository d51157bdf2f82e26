/**
 * The tagger's input layer: token feature rows to vectors, plus the word ids the encoder's padding mask is made from.
 */
import { tf } from '../../backend/tf.js';
import { Add } from '../../combinators/arithmetic.js';
import { Branch } from '../../combinators/branch.js';
import { Select } from '../../combinators/select.js';
import { namedSerial, type SerialLayer } from '../../combinators/serial.js';
import type { Layer } from '../../core/base.js';
import { Dense, Embedding } from '../../layers/core/index.js';
import { type Initializer, VarianceScaling } from '../../layers/initializers.js';
import { Fn } from '../../core/fn.js';
import type { ShapeDtype, Tensor } from '../../core/types.js';
import { WORD_SHAPE_COUNT } from '../vocab/word_shape.js';
import { CharCnn } from './char_cnn.js';
import { hasWordProjection, type NerModelConfig } from './config.js';
import { featureLayout } from './features.js';

/** Vocabulary sizes the model is built for. @public */
export interface NerModelSizes {
  /** Word ids (PAD and UNK included). */
  readonly wordVocabSize: number;
  /** Character ids (PAD and UNK included). */
  readonly charVocabSize: number;
  /** Tags. */
  readonly nTags: number;
}

function checkFeatures(name: string, s: ShapeDtype, width: number): void {
  if (s.dtype !== 'int32' || s.shape.length !== 3 || s.shape[2] !== width) {
    throw new RangeError(`${name}: expected token features int32 [batch, length, ${width}], got ${s.dtype}[${s.shape.join(',')}]`);
  }
}

/** Columns `[from, from + width)` of int32 features `[B, L, F]`: `[B, L]` for one column, else `[B, L, width]`. */
function Columns(name: string, totalWidth: number, from: number, width: number): Layer {
  const shapeOf = (s: readonly number[]): number[] => (width === 1 ? [s[0]!, s[1]!] : [s[0]!, s[1]!, width]);
  return Fn(
    name,
    (f: Tensor) => {
      checkFeatures(name, f, totalWidth);
      if (totalWidth === 1) return tf.reshape(f, shapeOf(f.shape));
      return tf.reshape(tf.slice(f, [0, 0, from], [-1, -1, width]), shapeOf(f.shape));
    },
    1,
    {
      outputSignature: (s: ShapeDtype) => {
        checkFeatures(name, s, totalWidth);
        return { shape: shapeOf(s.shape), dtype: 'int32' };
      },
    },
  );
}

/**
 * Initial rows of the word embedding (pretrained word vectors): row `i` of `values` (`dim` values from `i * dim`) is
 * word id `i`'s vector where `present[i]` is 1; rows with 0 keep the embedding's random initialisation.
 * @public
 */
export interface WordEmbeddingRows {
  /** The vector size (the width of each row). */
  readonly dim: number;
  /** `vocabSize * dim` values. */
  readonly values: Float32Array;
  /** `vocabSize` flags. */
  readonly present: Uint8Array;
}

/** How the word embedding starts and trains (see {@link TokenEmbedding}). @public */
export interface WordEmbeddingOptions {
  /** Pretrained rows: the word embedding starts from them (other rows random, as without them). */
  readonly pretrained?: WordEmbeddingRows;
  /** Freeze the word embedding (`trainable = false`): training leaves it as initialised (default false). */
  readonly freeze?: boolean;
}

/**
 * The embedding's usual initialiser with the pretrained rows written over the random ones: the random rows are
 * the ones the same key gives without pretrained rows.
 */
function pretrainedInitializer(rows: WordEmbeddingRows): Initializer {
  const random = VarianceScaling({ mode: 'fan_out', distribution: 'uniform' });
  return (key, shape) => {
    const [vocabSize, dim] = shape as [number, number];
    if (dim !== rows.dim || rows.present.length !== vocabSize || rows.values.length !== vocabSize * dim) {
      throw new RangeError(
        `TokenEmbedding: pretrained rows of ${rows.present.length} x ${rows.dim} do not fit a word embedding of [${vocabSize}, ${dim}]`,
      );
    }
    const init = random(key, shape);
    const values = init.dataSync().slice() as Float32Array;
    init.dispose();
    for (let i = 0; i < vocabSize; i++) if (rows.present[i]) values.set(rows.values.subarray(i * dim, (i + 1) * dim), i * dim);
    return tf.tensor2d(values, [vocabSize, dim]);
  };
}

/**
 * Token features `int32 [B, L, F]` (see `featureLayout`) to `x, ids`: `x` `[B, L, dModel]` is the sum of the word
 * embedding and, as configured, a word-shape embedding, the character CNN's vector and (with `contextTokens`) an
 * embedding of the target flag (the segment feature marking the target sentence in its window); `ids` `[B, L]` are the word
 * ids (0 at padding), from which the encoder makes its padding mask. Named `TokenEmbedding`.
 *
 * The word embedding is `[wordVocabSize, dModel]`, or with `wordVectorDim` (see `NerModelConfig`)
 * `[wordVocabSize, wordVectorDim]` followed by `Dense(dModel)`. `words` may start it from pretrained vectors and
 * freeze it (the projection, when there is one, still trains).
 * @public
 */
export function TokenEmbedding(config: NerModelConfig, sizes: NerModelSizes, words: WordEmbeddingOptions = {}): SerialLayer {
  const layout = featureLayout(config);
  const wordDim = hasWordProjection(config) ? config.wordVectorDim : config.dModel;
  if (words.pretrained && words.pretrained.dim !== wordDim) {
    throw new RangeError(
      `TokenEmbedding: pretrained vectors of dimension ${words.pretrained.dim} do not fit a word embedding of width ${wordDim} (set wordVectorDim to ${words.pretrained.dim})`,
    );
  }
  const wordEmbedding = Embedding(
    sizes.wordVocabSize,
    wordDim,
    words.pretrained ? { kernelInitializer: pretrainedInitializer(words.pretrained) } : {},
  );
  if (words.freeze) wordEmbedding.trainable = false;
  const branches: Layer[][] = [
    [Columns('WordIds', layout.width, 0, 1), wordEmbedding, ...(hasWordProjection(config) ? [Dense(config.dModel)] : [])],
  ];
  if (layout.shapeColumn >= 0)
    branches.push([Columns('ShapeIds', layout.width, layout.shapeColumn, 1), Embedding(WORD_SHAPE_COUNT, config.dModel)]);
  if (layout.charColumn >= 0) {
    branches.push([
      Columns('CharIds', layout.width, layout.charColumn, config.maxWordLength),
      CharCnn({ charVocabSize: sizes.charVocabSize, dChar: config.dChar, filters: config.charFilters, dOut: config.dModel }),
    ]);
  }
  // A context model's "is a target token" embedding: two learned rows, context (0) and target (1).
  if (layout.targetColumn >= 0) branches.push([Columns('TargetFlags', layout.width, layout.targetColumn, 1), Embedding(2, config.dModel)]);
  const n = branches.length;
  // features -> ids, x_1 .. x_n -> x_1 .. x_n, ids -> x, ids
  const layers: Layer[] = [
    Branch(Columns('WordIds', layout.width, 0, 1), ...branches),
    Select([...Array.from({ length: n }, (_, i) => i + 1), 0], n + 1),
  ];
  for (let i = 1; i < n; i++) layers.push(Add());
  return namedSerial('TokenEmbedding', layers);
}
