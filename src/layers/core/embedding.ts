import { tf } from '../../backend/tf.js';
import type { Key } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import { type Initializer, VarianceScaling } from '../initializers.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { weightOf } from './checks.js';
import { refuseUnknownOptions } from '../../core/options.js';

type GradSave = (tensors: Tensor[]) => void;

/**
 * Rows of `table` (`[V, D]`) picked by flat int32 `ids` (`[N]`), giving `[N, D]`. Its gradient with respect to
 * the table scatters the incoming rows back with `scatterND`, which sums the rows of repeated ids: exact, and
 * unlike `gather`'s own gradient it needs no `UnsortedSegmentSum` (missing on wasm) and costs O(N·D) on cpu
 * instead of O(V·N).
 */
const gatherRows = tf.customGrad(((table: Tensor, ids: Tensor, save: GradSave) => {
  save([ids]);
  const tableShape = [...table.shape] as [number, number];
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const savedIds = saved[0]!;
      const dTable = tf.scatterND(tf.reshape(savedIds, [-1, 1]), dy, tableShape);
      return [dTable, tf.zerosLike(savedIds)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Looks up rows of an embedding table: `ids` of any shape (int32) give `[...ids.shape, D]` from a `[V, D]` table.
 * The gradient with respect to the table sums the output gradients of repeated ids (see the module notes); it
 * works on every backend, wasm included. Ids are not range-checked here ({@link Embedding} checks them).
 * @public
 */
export function embeddingLookup(table: Tensor, ids: Tensor): Tensor {
  if (table.rank !== 2) throw new RangeError(`embeddingLookup: the table must be 2-D, got shape [${table.shape.join(',')}]`);
  if (ids.dtype !== 'int32') throw new TypeError(`embeddingLookup: ids must be int32, got ${ids.dtype}`);
  const flat = ids.rank === 1 ? ids : tf.reshape(ids, [-1]);
  const rows = gatherRows(table, flat);
  return ids.rank === 1 ? rows : tf.reshape(rows, [...ids.shape, table.shape[1]!]);
}

/** Options of {@link Embedding}. @public */
export interface EmbeddingOptions {
  /**
   * Makes the `[vocabSize, dFeature]` table (default, as Trax: uniform with variance `1 / dFeature`, i.e.
   * `VarianceScaling({ mode: 'fan_out', distribution: 'uniform' })`).
   */
  kernelInitializer?: Initializer;
  /**
   * Read the ids on the host and refuse any outside `[0, vocabSize)` with an error naming it (default true).
   * Trax clips such ids instead; tfjs's wasm and webgl backends would silently read garbage. Costs one host read
   * of the ids per call, which is cheap on cpu and wasm; turn it off for ids that live on the GPU.
   */
  checkIds?: boolean;
}

/**
 * A trainable map from discrete ids (tokens) to vectors: row `i` of a `[vocabSize, dFeature]` table is the vector
 * of id `i`. Takes int32 ids of any shape and gives float32 vectors of shape `[...ids.shape, dFeature]`. Named
 * `Embedding_<vocabSize>_<dFeature>`, with weights `{ w: [vocabSize, dFeature] }`.
 *
 * Its gradient is a scatter-add of the output gradient into the table (repeated ids sum), computed without
 * tfjs's `UnsortedSegmentSum`, so it trains on wasm and is fast on cpu.
 * @public
 */
export class EmbeddingLayer extends Layer {
  private readonly kernelInitializer: Initializer;
  /** Whether every id is checked against the vocabulary before the lookup (an id outside it is a `RangeError`). */
  readonly checkIds: boolean;

  constructor(
    /** The number of ids: the table's rows. */
    readonly vocabSize: number,
    /** The size of each embedding vector: the table's columns. */
    readonly dFeature: number,
    options: EmbeddingOptions = {},
  ) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1)
      throw new RangeError(`Embedding: vocabSize must be a positive integer, got ${vocabSize}`);
    if (!Number.isInteger(dFeature) || dFeature < 1)
      throw new RangeError(`Embedding: dFeature must be a positive integer, got ${dFeature}`);
    refuseUnknownOptions('Embedding', options, ['kernelInitializer', 'checkIds']);
    super({ name: `Embedding_${vocabSize}_${dFeature}` });
    this.kernelInitializer = options.kernelInitializer ?? VarianceScaling({ mode: 'fan_out', distribution: 'uniform' });
    this.checkIds = options.checkIds ?? true;
  }

  private expectIds(ids: ShapeDtype): void {
    if (ids.dtype !== 'int32') {
      throw new TypeError(
        `${this.name}: ids must be int32, got ${ids.dtype}[${ids.shape.join(',')}] (cast token ids with tf.cast(x, 'int32'))`,
      );
    }
  }

  /** The table `w` (`[vocabSize, dFeature]`) from the initializer; refuses ids that are not int32. */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    this.expectIds(signature[0]!);
    return { weights: { w: this.kernelInitializer(rng, [this.vocabSize, this.dFeature]) }, state: {} };
  }

  /** The table does not depend on the ids' shape, so `init(undefined)` makes it (as Trax's `init(None)`). */
  protected override initWeightsWithoutInput(rng: Key): { weights: Weights; state: State } {
    return { weights: { w: this.kernelInitializer(rng, [this.vocabSize, this.dFeature]) }, state: {} };
  }

  /** `[...idsShape, dFeature]` float32. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const ids = signature[0]!;
    this.expectIds(ids);
    return { shape: [...ids.shape, this.dFeature], dtype: 'float32' };
  }

  /** Row `id` of the table for each id. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const ids = inputs as Tensor;
    this.expectIds(ids);
    const table = weightOf(weights, 'w', this.name);
    if (this.checkIds) this.refuseOutOfRange(ids, table.shape[0]);
    return [embeddingLookup(table, ids), state];
  }

  private refuseOutOfRange(ids: Tensor, vocab: number): void {
    const data = ids.dataSync() as Int32Array;
    for (let i = 0; i < data.length; i++) {
      const id = data[i]!;
      if (id < 0 || id >= vocab) {
        throw new RangeError(`${this.name}: id ${id} (at flat index ${i}) is outside the vocabulary [0, ${vocab})`);
      }
    }
  }
}

/**
 * An embedding of `vocabSize` ids into `dFeature` dimensions (see {@link EmbeddingLayer}).
 *
 * @example
 * ```ts
 * const embed = Embedding(32000, 512);   // int32 [B, L] -> float32 [B, L, 512]
 * ```
 * @public
 */
export function Embedding(vocabSize: number, dFeature: number, options: EmbeddingOptions = {}): EmbeddingLayer {
  return new EmbeddingLayer(vocabSize, dFeature, options);
}
