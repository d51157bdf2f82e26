/**
 * An embedding for a small id set (word shapes) that looks its rows up on the host (see `hostGatherRows`).
 */
import type { Tensor } from '../../layers/types.js';
import { Layer } from '../../layers/base.js';
import { type Initializer, VarianceScaling } from '../../layers/initializers.js';
import type { ShapeDtype, Signature, Stack, State, Weights } from '../../layers/types.js';
import type { Key } from '../../rng/key.js';
import { tf } from '../../backend/tf.js';
import { hostGatherRows } from './host_gather.js';

/**
 * `Embedding(vocabSize, dFeature)` for a vocabulary of a few hundred ids at most: the same weights (`{ w }`,
 * initialised as `Embedding`'s) and results, but the rows are gathered on the host, which on wasm is several times
 * faster than `GatherV2` for such tables. Ids outside `[0, vocabSize)` are refused with an error naming them.
 * Named `Embedding_<vocabSize>_<dFeature>`.
 * @public
 */
export class SmallEmbeddingLayer extends Layer {
  private readonly initializer: Initializer = VarianceScaling({ mode: 'fan_out', distribution: 'uniform' });

  constructor(readonly vocabSize: number, readonly dFeature: number) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 4096) throw new RangeError(`SmallEmbedding: vocabSize must be an integer from 1 to 4096, got ${vocabSize}`);
    if (!Number.isInteger(dFeature) || dFeature < 1) throw new RangeError(`SmallEmbedding: dFeature must be a positive integer, got ${dFeature}`);
    super({ name: `Embedding_${vocabSize}_${dFeature}` });
  }

  private check(s: ShapeDtype): void {
    if (s.dtype !== 'int32') throw new TypeError(`${this.name}: ids must be int32, got ${s.dtype}[${s.shape.join(',')}]`);
  }

  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    this.check(signature[0]!);
    return { weights: { w: this.initializer(rng, [this.vocabSize, this.dFeature]) }, state: {} };
  }

  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const s = signature[0]!;
    this.check(s);
    return { shape: [...s.shape, this.dFeature], dtype: 'float32' };
  }

  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const ids = inputs as Tensor;
    this.check(ids);
    const rows = hostGatherRows(weights['w'] as Tensor, ids.dataSync() as Int32Array);
    return [tf.reshape(rows, [...ids.shape, this.dFeature]), state];
  }
}

/** A small-vocabulary embedding (see {@link SmallEmbeddingLayer}). @public */
export function SmallEmbedding(vocabSize: number, dFeature: number): SmallEmbeddingLayer {
  return new SmallEmbeddingLayer(vocabSize, dFeature);
}
