/**
 * The NER tagger's training step as the benchmarks time it: the recipe's model and loss (CRF or softmax), Adam, one
 * step of the library's `Trainer` per batch (the Loop's step without the Loop around it).
 * Shared by bench/common/ner_bench_worker.ts and bench/common/context_bench_worker.ts.
 */
import { Adam, makeKey, ner, type Tensor, tf, Trainer, treeLeaves } from '../../src/index.js';

/** A tagger being trained, one batch at a time. */
export interface TaggerTrainer {
  /** The model (its weights are the latest after each step). */
  readonly model: ReturnType<typeof ner.NerTaggerModel>;
  /** One training step on `[features int32 [B, L, F], tags int32 [B, L], weights float32 [B, L]]`; gives the loss. */
  step(batch: readonly Tensor[]): number;
  /** Disposes the weights, the loss layer's weights and the optimizer slots. */
  dispose(): void;
}

/** Options of {@link taggerTrainer}. */
export interface TaggerTrainerOptions {
  /** Adam's learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Polyak averaging's decay (default 0: none; the recipe trains with 0.999). */
  readonly averageDecay?: number;
  /** Gradient clipping by global norm (default: none; the recipe clips at 1). */
  readonly clipGradNorm?: number;
}

/**
 * A tagger of `config` for vocabularies of `sizes`, initialised (seed 1) for batches of `[batch, length]` positions.
 */
export function taggerTrainer(
  config: ner.NerModelConfig,
  sizes: ner.NerModelSizes,
  [batch, length]: readonly [number, number],
  options: TaggerTrainerOptions = {},
): TaggerTrainer {
  const layout = ner.featureLayout(config);
  const model = ner.NerTaggerModel(config, sizes, 'train');
  const lossLayer = ner.NerLoss(config, sizes.nTags);
  const optimizer = new Adam({
    learningRate: options.learningRate ?? 1e-3,
    averageDecay: options.averageDecay ?? 0,
    ...(options.clipGradNorm ? { clipGradNorm: options.clipGradNorm } : {}),
  });
  model.init({ shape: [batch, length, layout.width], dtype: 'int32' }, { seed: 1 });
  lossLayer.init([
    { shape: [batch, length, sizes.nTags], dtype: 'float32' },
    { shape: [batch, length], dtype: 'int32' },
    { shape: [batch, length], dtype: 'float32' },
  ]);
  const trainer = new Trainer(model, lossLayer, optimizer);
  return {
    model,
    step(batchTensors) {
      return trainer.oneStep(batchTensors, makeKey(trainer.optimizerSteps), { learningRate: options.learningRate ?? 1e-3 }).loss;
    },
    dispose() {
      trainer.dispose();
      tf.dispose([...treeLeaves(model.weights), ...treeLeaves(lossLayer.weights)]);
    },
  };
}
