import type { Layer } from '../core/base.js';
import type { NDArray } from '../data/ndarray.js';
import { type DataSource, ResumableStream } from '../data/resumable.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { LRSchedule } from '../optimizers/schedules.js';

/** A batch of labeled data: the model's inputs, then the labels (targets and weights). @public */
export type LabeledBatch = NDArray[];

/** Options of {@link TrainTask}. @public */
export interface TrainTaskOptions {
  /**
   * Batches `(inputs..., targets, weights)`: best a function that builds the stream from its start (a
   * `data.Serial` pipeline), so that a resumed loop can replay it to its saved position.
   */
  labeledData: DataSource<LabeledBatch>;
  /** A layer from (model outputs..., targets, weights) to a scalar loss, such as `CrossEntropyLoss()`. */
  lossLayer: Layer;
  /** How weights are updated from the loss's gradients. */
  optimizer: Optimizer;
  /** The learning rate of each step (from 1); without it, the optimizer's `learningRate` is used. */
  lrSchedule?: LRSchedule;
  /** Steps between (rolling) checkpoints, and by default between evaluations (default 100, as in Trax). */
  nStepsPerCheckpoint?: number;
  /** Steps between permanent checkpoints, kept forever (default: none). */
  nStepsPerPermanentCheckpoint?: number;
}

/**
 * A supervised training task: labeled data, a loss layer and an optimizer (Trax's `TrainTask`).
 *
 * @example
 * ```ts
 * const task = new TrainTask({
 *   labeledData: pipeline,
 *   lossLayer: CrossEntropyLoss(),
 *   optimizer: new Adam({ learningRate: 0.01 }),
 *   lrSchedule: warmupAndRsqrtDecay(100, 0.01),
 *   nStepsPerCheckpoint: 50,
 * });
 * ```
 * @public
 */
export class TrainTask {
  /** The training batches, as a stream whose position is checkpointed so that a resumed run sees the same batches. */
  readonly labeledData: ResumableStream<LabeledBatch>;
  /** The layer from (model outputs..., targets, weights) to the scalar loss that is minimised. */
  readonly lossLayer: Layer;
  /**
   * The optimizer that updates the model's weights (and the loss layer's, if it has any) from the loss's gradients.
   */
  readonly optimizer: Optimizer;
  /** The learning rate at each step; `undefined`: the optimizer's constant `learningRate`. */
  readonly lrSchedule: LRSchedule | undefined;
  /**
   * How often the loop evaluates and writes the rolling checkpoint unless its options say otherwise (default 100).
   */
  readonly nStepsPerCheckpoint: number;
  /** How often the loop writes a permanent checkpoint `model_<step>`; `undefined`: never. */
  readonly nStepsPerPermanentCheckpoint: number | undefined;

  constructor(options: TrainTaskOptions) {
    this.labeledData = new ResumableStream(options.labeledData, { name: 'TrainTask data' });
    this.lossLayer = options.lossLayer;
    this.optimizer = options.optimizer;
    this.lrSchedule = options.lrSchedule;
    this.nStepsPerCheckpoint = options.nStepsPerCheckpoint ?? 100;
    this.nStepsPerPermanentCheckpoint = options.nStepsPerPermanentCheckpoint;
    if (this.lossLayer.nOut !== 1)
      throw new Error(`TrainTask: the loss layer ${this.lossLayer.name} must give one scalar, it gives ${this.lossLayer.nOut} items`);
    for (const [what, n] of [
      ['nStepsPerCheckpoint', this.nStepsPerCheckpoint],
      ['nStepsPerPermanentCheckpoint', this.nStepsPerPermanentCheckpoint],
    ] as const) {
      if (n !== undefined && !(Number.isInteger(n) && n > 0))
        throw new RangeError(`TrainTask: ${what} must be a positive integer, got ${n}`);
    }
  }

  /** The loss's name, as logged: the loss layer's name. */
  get lossName(): string {
    return this.lossLayer.name;
  }

  /** The learning rate for a step (from 1). */
  learningRate(step: number): number {
    return this.lrSchedule ? this.lrSchedule(step) : this.optimizer.learningRate;
  }
}

/** Options of {@link EvalTask}. @public */
export interface EvalTaskOptions {
  /** Batches `(inputs..., targets, weights)`; a finite stream starts over when it ends (when it is a function). */
  labeledData: DataSource<LabeledBatch>;
  /** Layers from (model outputs..., targets, weights) to a scalar, such as `WeightedCategoryAccuracy()`. */
  metrics: readonly Layer[];
  /** Names to report the metrics under (default: the layers' names). */
  metricNames?: readonly string[];
  /** Batches per evaluation; the reported value is the mean over them (default 1). */
  nEvalBatches?: number;
}

/**
 * Labeled data and metrics for measuring a model as it trains (Trax's `EvalTask`).
 * @public
 */
export class EvalTask {
  /** The evaluation batches, as a repeating stream whose position is checkpointed. */
  readonly labeledData: ResumableStream<LabeledBatch>;
  /**
   * The layers from (model outputs..., targets, weights) to a scalar that an evaluation averages over its batches.
   */
  readonly metrics: readonly Layer[];
  /** The names the metrics are logged and recorded under, one for each of `metrics`. */
  readonly metricNames: readonly string[];
  /** How many batches each evaluation averages over (default 1). */
  readonly nEvalBatches: number;

  constructor(options: EvalTaskOptions) {
    this.labeledData = new ResumableStream(options.labeledData, { name: 'EvalTask data', repeat: true });
    this.metrics = [...options.metrics];
    this.metricNames = [...(options.metricNames ?? this.metrics.map((m) => m.name))];
    this.nEvalBatches = options.nEvalBatches ?? 1;
    if (this.metrics.length === 0) throw new Error('EvalTask: needs at least one metric');
    if (this.metricNames.length !== this.metrics.length) {
      throw new Error(`EvalTask: ${this.metrics.length} metrics but ${this.metricNames.length} metric names`);
    }
    for (const m of this.metrics) {
      if (m.nOut !== 1) throw new Error(`EvalTask: the metric ${m.name} must give one scalar, it gives ${m.nOut} items`);
    }
    if (!(Number.isInteger(this.nEvalBatches) && this.nEvalBatches > 0))
      throw new RangeError(`EvalTask: nEvalBatches must be a positive integer, got ${this.nEvalBatches}`);
  }
}
