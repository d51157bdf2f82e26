/**
 * The trainer of one task (Trax's `trax.optimizers.Trainer`): it joins a model and its loss as one tree, owns the
 * optimizer slots of that tree and the count of updates, and does one step from a batch. The `Loop` runs one per
 * train task; the demo page and the benchmarks use it directly. Free of Node built-ins.
 */
import type { Layer } from '../core/base.js';
import { disposeTree, treeLeaves } from '../core/tensor_tree.js';
import type { Tensor, Weights } from '../core/types.js';
import { disposeReplaced } from '../core/tensor_tree.js';
import { averagedWeights, type Optimizer, type SlotTree } from '../optimizers/optimizer.js';
import type { Key } from '../rng/key.js';
import { tf } from '../backend/tf.js';
import { batchToTensors } from '../data/to_tensors.js';
import type { LabeledBatch } from './tasks.js';
import { applyGradients, type ModelAndLossWeights, type StepGradients, stepGradients } from './train_step.js';

/** What {@link Trainer.oneStep} reports; the trainer keeps the new weights and slots. @public */
export interface StepMetrics {
  /** The step's loss (before the update). */
  loss: number;
  /** The global L2 norm of the gradients, before clipping. */
  gradientsL2: number;
  /** The global L2 norm of the weights the step started from. */
  weightsL2: number;
}

/** The optimizer slots of a trainer, as the halves of its joined tree. @public */
export interface TrainerSlots {
  /** The slots of the model's weights (the weights' layout, a dict of slots per weight). */
  model: SlotTree;
  /** The slots of the loss layer's weights (`{}` when it has none). */
  loss: SlotTree;
}

/**
 * What a `Loop` trains a task with: a {@link Trainer}, or one that spreads each batch over worker threads
 * (`DataParallelTrainer`, Node). It owns the optimizer slots of `Serial(model, loss)` and the update count. @public
 */
export interface TaskTrainer {
  /** The model; its weights are the trained weights. */
  readonly model: Layer;
  /** The loss layer, after the model. */
  readonly lossLayer: Layer;
  /** The optimizer. */
  readonly optimizer: Optimizer;
  /** The optimizer slots, laid out as the weights `{ model, loss }`. */
  readonly slots: TrainerSlots;
  /** The number of updates made so far. */
  readonly optimizerSteps: number;
  /** Whether the loss layer has weights of its own, trained with the model's. */
  readonly trainsLoss: boolean;
  /** The number of replicas a batch is cut over (1, or absent, for one thread). */
  readonly workers?: number;
  /** One step on a batch of host arrays (the model's inputs, then the loss layer's other inputs). */
  step(batch: LabeledBatch, rng: Key, options: { learningRate: number; step?: number }): Promise<StepMetrics>;
  /** The moving averages of the weights (an optimizer made with `averageDecay`), laid out as `{ model, loss }`. */
  averagedWeights(): ModelAndLossWeights;
  /** Replaces the slots and the update count (restoring a checkpoint). */
  restore(slots: TrainerSlots, optimizerSteps: number): void;
  /** Frees the slots (and stops any worker the trainer runs). */
  dispose(): void;
}

/**
 * Trains `Serial(model, lossLayer)` with one optimizer. Both layers must be initialised; the trainer reads their
 * weights at each step and gives them the updated ones (disposing those it replaced), so several trainers can
 * share one model (the `Loop`'s train tasks). A loss layer with weights (a CRF's transition scores) is trained
 * like the model.
 *
 * @example
 * ```ts
 * const trainer = new Trainer(model, CrossEntropyLoss(), new Adam({ learningRate: 1e-3 }));
 * const { loss } = trainer.oneStep([inputs, targets, weights], makeKey(step), { learningRate: 1e-3 });
 * trainer.dispose();   // frees the slots; the layers keep their weights
 * ```
 * @public
 */
export class Trainer implements TaskTrainer {
  private _slots: SlotTree;
  private _optimizerSteps = 0;

  constructor(
    /** The model; its weights are the trained weights. */
    readonly model: Layer,
    /** The loss layer, after the model. */
    readonly lossLayer: Layer,
    /** The optimizer; its slots are made here. */
    readonly optimizer: Optimizer,
  ) {
    if (treeLeaves(model.weights).length === 0) throw new Error(`Trainer: the model ${model.name} has no weights (initialise it first)`);
    this._slots = optimizer.treeInit(this.weights as unknown as Weights);
  }

  /** The weights of `Serial(model, loss)`: the model's and the loss layer's trees (the layers' own tensors). */
  get weights(): ModelAndLossWeights {
    return { model: this.model.weights, loss: this.lossLayer.weights };
  }

  /** The optimizer slots, laid out as {@link Trainer.weights}. */
  get slots(): TrainerSlots {
    return this._slots as unknown as TrainerSlots;
  }

  /** The number of updates made so far (what Adam's bias correction counts). */
  get optimizerSteps(): number {
    return this._optimizerSteps;
  }

  /** Whether the loss layer has weights of its own, trained with the model's. */
  get trainsLoss(): boolean {
    return treeLeaves(this.lossLayer.weights).length > 0;
  }

  /**
   * One step on `batch` (the model's inputs, then the loss layer's other inputs): gradients of the loss, one
   * optimizer update, the layers given their new weights and the model its new state. `step` (from 1, default
   * the update count + 1) is what errors name. Throws a `NonFiniteError` when the loss or the gradients are not
   * finite, leaving weights and slots as they were. The batch is not disposed.
   */
  oneStep(batch: readonly Tensor[], rng: Key, options: { learningRate: number; step?: number }): StepMetrics {
    const gradients = stepGradients({
      model: this.model,
      lossLayer: this.lossLayer,
      batch,
      weights: this.weights,
      state: this.model.state,
      rng,
      step: options.step ?? this._optimizerSteps + 1,
    });
    return this.applyGradients(gradients, options);
  }

  /** {@link Trainer.oneStep} on host arrays (made into tensors for the step, then freed). */
  async step(batch: LabeledBatch, rng: Key, options: { learningRate: number; step?: number }): Promise<StepMetrics> {
    const tensors = batchToTensors(batch);
    try {
      return this.oneStep(tensors, rng, options);
    } finally {
      tf.dispose(tensors);
    }
  }

  /**
   * The update of a step whose gradients were computed elsewhere (`stepGradients`, or summed over the shards of a
   * batch): checks them, updates weights and slots as {@link Trainer.oneStep} does, and gives the model the new
   * state. Takes ownership of the gradients.
   */
  applyGradients(gradients: StepGradients, options: { learningRate: number; step?: number }): StepMetrics {
    const weights = this.weights;
    const state = this.model.state;
    const result = applyGradients(
      {
        model: this.model,
        lossLayer: this.lossLayer,
        optimizer: this.optimizer,
        weights,
        state,
        slots: this._slots,
        step: options.step ?? this._optimizerSteps + 1,
        optimizerStep: this._optimizerSteps,
        learningRate: options.learningRate,
      },
      gradients,
    );
    this.model.weights = result.weights.model;
    this.lossLayer.weights = result.weights.loss;
    this.model.state = result.state;
    disposeReplaced(weights as unknown as Weights, result.weights as unknown as Weights);
    disposeReplaced(state, result.state);
    disposeReplaced(this._slots, result.slots);
    this._slots = result.slots;
    this._optimizerSteps++;
    return { loss: result.loss, gradientsL2: result.gradientsL2, weightsL2: result.weightsL2 };
  }

  /**
   * The moving averages of the weights kept by an optimizer made with `averageDecay`, laid out as
   * {@link Trainer.weights}. The tensors are the slots' own: do not dispose them.
   */
  averagedWeights(): ModelAndLossWeights {
    return averagedWeights(this.weights as unknown as Weights, this._slots) as unknown as ModelAndLossWeights;
  }

  /**
   * Replaces the slots and the update count (restoring a checkpoint): the trainer takes `slots`, which must be
   * laid out as {@link Trainer.weights}, and disposes the slots it replaced.
   */
  restore(slots: TrainerSlots, optimizerSteps: number): void {
    if (!Number.isInteger(optimizerSteps) || optimizerSteps < 0) {
      throw new RangeError(`Trainer.restore: optimizerSteps must be a non-negative integer, got ${optimizerSteps}`);
    }
    const next = slots as unknown as SlotTree;
    disposeReplaced(this._slots, next);
    this._slots = next;
    this._optimizerSteps = optimizerSteps;
  }

  /** Frees the optimizer slots (the layers keep their weights). The trainer cannot step afterwards. */
  dispose(): void {
    disposeTree(this._slots);
    this._slots = {};
  }
}

/**
 * Runs `f` with `model` (and `evalModel`, when another layer) holding the moving averages of the weights kept by
 * trainer `task`'s optimizer (made with `averageDecay`), and each trainer's loss layer its own averages, then puts
 * the trained weights back.
 */
export async function withAveragedWeights<T>(
  model: Layer,
  evalModel: Layer,
  trainers: readonly TaskTrainer[],
  task: number,
  f: () => T | Promise<T>,
): Promise<T> {
  const trainer = trainers[task];
  if (!trainer) throw new RangeError(`withAveragedWeights: there is no train task ${task}`);
  const weights = model.weights;
  const evalWeights = evalModel.weights;
  const averaged = trainer.averagedWeights().model;
  const losses = trainers.map((t) => {
    const lossWeights = t.lossLayer.weights;
    return { layer: t.lossLayer, weights: lossWeights, averages: t.trainsLoss ? averagedWeights(lossWeights, t.slots.loss) : lossWeights };
  });
  model.weights = averaged;
  if (evalModel !== model) evalModel.weights = averaged;
  for (const l of losses) l.layer.weights = l.averages;
  try {
    return await f();
  } finally {
    model.weights = weights;
    if (evalModel !== model) evalModel.weights = evalWeights;
    for (const l of losses) l.layer.weights = l.weights;
  }
}
