/**
 * Synchronous data parallelism on the cores of one machine (Node): each batch is cut into shards along its first
 * axis, the main thread computes the first shard's gradients and worker threads the others (each with its own
 * tfjs engine and backend), the gradients are summed through shared memory in shard order, and one optimizer update
 * is made on the main thread, whose weights every worker reads before the next step. Weights are the same in every
 * replica at every step; a given worker count gives the same run, bit for bit, every time.
 *
 * Losses are weighted means over the batch's last array (the loss weights, as every loss of trax-ts), so shard `s`
 * contributes its loss and gradients times `W_s / W` (its share of the weights): the sum is the whole batch's
 * gradient, up to the order of float additions. A shard's random key is `foldIn(key, s)`, so dropout differs from a
 * one-worker run; the model's state (none in most models) is the main thread's.
 */
import { currentBackend } from '../backend/backends.js';
import { tf } from '../backend/tf.js';
import { batchToTensors } from '../data/to_tensors.js';
import type { Layer } from '../core/base.js';
import { treeLeaves } from '../core/tensor_tree.js';
import type { Tensor } from '../core/types.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { foldIn, type Key } from '../rng/key.js';
import type { LabeledBatch } from '../training/tasks.js';
import { stepGradients } from '../training/train_step.js';
import type { ModelAndLossWeights } from '../training/train_step.js';
import { type StepMetrics, type TaskTrainer, Trainer, type TrainerSlots } from '../training/trainer.js';
import type { GradientReply, GradientRequest, GradientWorkerInit } from './gradient_protocol.js';
import { splitBatch, sumOf } from './split_batch.js';
import { WorkerPool } from './worker_pool.js';
import { layoutTensors, weightLayout, type WeightLayout, writeWeights } from './weight_layout.js';

/** How to spread training over worker threads. @public */
export interface DataParallelOptions<Init = unknown> {
  /** The number of replicas a batch is cut over: the main thread and `workers - 1` worker threads (an integer >= 1). */
  readonly workers: number;
  /** The module each worker thread runs: one that calls `serveGradients` with a function building the replica. */
  readonly module: URL | string;
  /** What the replica's build function receives (structured-cloned). */
  readonly init?: Init;
  /** Stops the workers when aborted (on Ctrl-C, say). */
  readonly signal?: AbortSignal;
}

/**
 * A {@link TaskTrainer} that cuts each batch over the main thread and worker threads (see the module notes). Start it
 * with {@link DataParallelTrainer.start}; a `Loop` does, given `dataParallel`. With one worker it is a plain
 * `Trainer`. @public
 */
export class DataParallelTrainer implements TaskTrainer {
  private constructor(
    private readonly trainer: Trainer,
    private readonly pool: WorkerPool<GradientRequest, GradientReply> | undefined,
    private readonly layout: WeightLayout,
    private readonly weights: Float32Array,
    private readonly gradients: Float32Array,
    /** The number of replicas. */
    readonly workers: number,
  ) {}

  /**
   * Starts `options.workers - 1` gradient workers for `model` and `lossLayer` (both initialised). Rejects with the
   * worker's error when a replica cannot be built; one that does not have the model's weights (paths and shapes)
   * fails the first step, naming them.
   */
  static async start<Init>(
    model: Layer,
    lossLayer: Layer,
    optimizer: Optimizer,
    options: DataParallelOptions<Init>,
  ): Promise<DataParallelTrainer> {
    const { workers } = options;
    if (!Number.isInteger(workers) || workers < 1)
      throw new RangeError(`data-parallel training: workers must be an integer >= 1, got ${workers}`);
    const stateful = treeLeaves(model.state).length;
    if (workers > 1 && stateful > 0) {
      throw new Error(`data-parallel training needs a model without state: ${model.name} keeps ${stateful} state tensors`);
    }
    const trainer = new Trainer(model, lossLayer, optimizer);
    const layout = weightLayout(model, lossLayer);
    const weights = new SharedArrayBuffer(layout.size * 4);
    const gradients = new SharedArrayBuffer(layout.size * 4 * Math.max(1, workers - 1));
    let pool: WorkerPool<GradientRequest, GradientReply> | undefined;
    if (workers > 1) {
      const init: GradientWorkerInit<Init | undefined> = {
        replica: options.init,
        backend: currentBackend(),
        layout,
        weights,
        gradients,
      };
      try {
        pool = await WorkerPool.start<GradientRequest, GradientReply, typeof init>({
          module: options.module,
          workers: workers - 1,
          init,
          name: 'trax-gradients',
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        trainer.dispose();
        throw error;
      }
    }
    return new DataParallelTrainer(trainer, pool, layout, new Float32Array(weights), new Float32Array(gradients), workers);
  }

  /** The model; its weights are the trained weights. */
  get model(): Layer {
    return this.trainer.model;
  }
  /** The loss layer, after the model. */
  get lossLayer(): Layer {
    return this.trainer.lossLayer;
  }
  /** The optimizer (its update runs on the main thread). */
  get optimizer(): Optimizer {
    return this.trainer.optimizer;
  }
  /** The optimizer slots, laid out as the weights `{ model, loss }`. */
  get slots(): TrainerSlots {
    return this.trainer.slots;
  }
  /** The number of updates made so far. */
  get optimizerSteps(): number {
    return this.trainer.optimizerSteps;
  }
  /** Whether the loss layer has weights of its own, trained with the model's. */
  get trainsLoss(): boolean {
    return this.trainer.trainsLoss;
  }

  /** One step: the batch's shards on the replicas, their gradients summed in shard order, one update. */
  async step(batch: LabeledBatch, rng: Key, options: { learningRate: number; step?: number }): Promise<StepMetrics> {
    const shards = this.pool ? splitBatch(batch, this.workers) : [batch];
    if (shards.length === 1) return this.trainer.step(batch, rng, options);
    const shares = shards.map((s) => sumOf(s[s.length - 1]!));
    const total = shares.reduce((a, b) => a + b, 0);
    const scales = shares.map((w) => (total > 0 ? w / total : 1 / shards.length));
    const { model, lossLayer } = this.trainer;
    writeWeights(model, lossLayer, this.layout, this.weights);
    const replies = shards
      .slice(1)
      .map((shard, i) =>
        this.pool!.runOn(
          i,
          { batch: shard, rng: foldIn(rng, i + 1), scale: scales[i + 1]! },
          { transfer: shard.map((a) => a.data.buffer as ArrayBuffer) },
        ),
      );
    // A rejected reply is awaited below; until then it must not count as unhandled.
    for (const r of replies) r.catch(() => undefined);
    const own = batchToTensors(shards[0]!);
    let gradients;
    try {
      gradients = stepGradients({
        model,
        lossLayer,
        batch: own,
        weights: this.trainer.weights,
        state: model.state,
        rng: foldIn(rng, 0),
        step: options.step ?? 0,
      });
    } finally {
      tf.dispose(own);
    }
    let losses: GradientReply[];
    try {
      losses = await Promise.all(replies);
    } catch (error) {
      tf.dispose([...gradients.grads.values()]);
      throw error;
    }
    // The sum, in shard order: the main thread's share, then each worker's (already scaled) gradients.
    const summed = new Map<Tensor, Tensor>();
    layoutTensors(model, lossLayer).forEach((t, i) => {
      const grad = gradients.grads.get(t);
      if (!grad) return;
      const e = this.layout.entries[i]!;
      const values = new Float32Array(grad.dataSync() as Float32Array);
      const s0 = scales[0]!;
      for (let k = 0; k < e.size; k++) values[k] = values[k]! * s0;
      for (let w = 0; w < shards.length - 1; w++) {
        const part = this.gradients.subarray(w * this.layout.size + e.offset, w * this.layout.size + e.offset + e.size);
        for (let k = 0; k < e.size; k++) values[k] = values[k]! + part[k]!;
      }
      summed.set(t, tf.tensor(values, e.shape as number[], 'float32'));
    });
    tf.dispose([...gradients.grads.values()]);
    const loss = losses.reduce((sum, r) => sum + r.loss, gradients.loss * scales[0]!);
    return this.trainer.applyGradients({ ...gradients, grads: summed, loss }, options);
  }

  /** The moving averages of the weights (an optimizer made with `averageDecay`). */
  averagedWeights(): ModelAndLossWeights {
    return this.trainer.averagedWeights();
  }

  /** Replaces the slots and the update count (restoring a checkpoint). */
  restore(slots: TrainerSlots, optimizerSteps: number): void {
    this.trainer.restore(slots, optimizerSteps);
  }

  /** Frees the slots and stops the workers (without waiting: see {@link DataParallelTrainer.close}). */
  dispose(): void {
    this.trainer.dispose();
    void this.pool?.close().catch(() => undefined);
  }

  /** Stops the workers and waits until they are gone. */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
