/**
 * The loop's checkpoints: every tensor a resume needs, by path, and the loop's metadata beside them. Paths: the
 * model's weights and state under their own paths, task `i`'s loss-layer weights under `loss/<i>/`, the slots of
 * task `i` under `<i>/` (model) and `<i>/loss/` (loss layer), so that checkpoints of weightless losses hold the
 * model alone.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { treeLeaves } from '../core/tensor_tree.js';
import { namedTensors, treeFromNamed } from '../core/named_tensors.js';
import type { State, Weights } from '../core/types.js';
import { disposeReplaced } from '../core/tensor_tree.js';
import { CheckpointError, type CheckpointContents, type CheckpointTensors, checkFits, lossWeightsPrefix } from './checkpoint_format.js';
import type { MetricRecord } from './history.js';
import { namedSlots, slotsFromNamed } from './named_slots.js';
import type { EvalTask, TrainTask } from './tasks.js';
import type { TaskTrainer, TrainerSlots } from './trainer.js';

/**
 * One train task's running sums since the last evaluation, which the loop averages into the logged `train` metrics
 * and saves in checkpoints so that a resumed run logs the same averages. @public
 */
export interface TrainingAccumulator {
  /** Train steps of this task since the last evaluation. */
  steps: number;
  /** Sum of the step losses. */
  loss: number;
  /** Sum of the global L2 norms of the gradients (before any clipping). */
  gradientsL2: number;
  /** Sum of the global L2 norms of the weights each step started from. */
  weightsL2: number;
}

/** The loop's part of a checkpoint, beside the tensors. @public */
export interface LoopCheckpointMeta {
  /** The loop's random key, from which the next steps' keys are split. */
  rngKey: [number, number];
  /**
   * The position of each train and eval task's data stream, so that a resumed run continues with the same batches.
   */
  data: { train: number[]; eval: number[] };
  /** The number of updates each train task's optimizer has made (the `step` Adam's bias correction counts). */
  optimizerSteps: number[];
  /** Each train task's optimizer configuration ({@link Optimizer.config}). */
  optimizers: Array<Record<string, unknown>>;
  /** Each train task's running sums since the last evaluation. */
  accumulators: TrainingAccumulator[];
  /** Every metric value recorded so far. */
  history: MetricRecord[];
  /** The seconds spent in training steps so far, those of the runs it was resumed from included. */
  trainSeconds: number;
  /** The number of replicas each train task's batches were cut over (absent in checkpoints of one thread). */
  workers?: number[];
}

/** The loss-layer weights of the trainers that train any, by checkpoint path. */
function lossWeightTensors(trainers: readonly TaskTrainer[], weightsOf = (t: TaskTrainer) => t.lossLayer.weights): Map<string, tf.Tensor> {
  const named = new Map<string, tf.Tensor>();
  trainers.forEach((trainer, i) => {
    if (!trainer.trainsLoss) return;
    for (const [p, t] of namedTensors(trainer.lossLayer, weightsOf(trainer))) named.set(lossWeightsPrefix(i) + p, t);
  });
  return named;
}

/** The optimizer slots of every trainer, by checkpoint path. */
function slotTensors(model: Layer, trainers: readonly TaskTrainer[]): Map<string, tf.Tensor> {
  const named = new Map<string, tf.Tensor>();
  trainers.forEach((trainer, i) => {
    for (const [p, t] of namedSlots(model, model.weights, trainer.slots.model, String(i))) named.set(p, t);
    if (!trainer.trainsLoss) return;
    const loss = trainer.lossLayer;
    for (const [p, t] of namedSlots(loss, loss.weights, trainer.slots.loss, `${i}/loss`)) named.set(p, t);
  });
  return named;
}

/** The tensors of a checkpoint of the model and its trainers, by path (the layers' and trainers' own tensors). */
export function checkpointTensors(model: Layer, trainers: readonly TaskTrainer[]): CheckpointTensors {
  const weights = namedTensors(model);
  for (const [p, t] of lossWeightTensors(trainers)) weights.set(p, t);
  return { weights, state: namedTensors(model, model.state), slots: slotTensors(model, trainers) };
}

/** Refuses the metadata of a checkpoint written by a loop with other tasks or optimizers. */
function checkMeta(dir: string, meta: LoopCheckpointMeta | undefined, tasks: readonly TrainTask[], evalTasks: readonly EvalTask[]): void {
  if (!meta || !Array.isArray(meta.data?.train) || meta.data.train.length !== tasks.length || meta.data.eval.length !== evalTasks.length) {
    throw new CheckpointError(`checkpoint ${dir} was written by a loop with other tasks (or has no loop metadata)`);
  }
  meta.optimizers.forEach((config, i) => {
    const mine = tasks[i]!.optimizer.name;
    if (config['type'] !== mine) {
      throw new CheckpointError(`checkpoint ${dir}: train task ${i} used the optimizer ${String(config['type'])}, this loop has ${mine}`);
    }
  });
}

/** What a checkpoint restores into the model and the trainers, before anything is replaced. */
interface RestoredTrees {
  weights: Weights;
  state: State;
  trainers: Array<{ slots: TrainerSlots; lossWeights: Weights }>;
}

/**
 * Checks that a checkpoint fits the model and the trainers (every path, shape and dtype; the tasks and optimizers
 * of the loop that wrote it) and builds the trees to restore, from the checkpoint's own tensors. Throws a
 * {@link CheckpointError} before anything is replaced; `used` collects the tensors the trees took.
 */
function restoredTrees(
  dir: string,
  contents: CheckpointContents<LoopCheckpointMeta>,
  model: Layer,
  tasks: readonly TrainTask[],
  trainers: readonly TaskTrainer[],
  evalTasks: readonly EvalTask[],
  used: Set<tf.Tensor>,
): RestoredTrees {
  const { tensors, meta } = contents;
  const expectedWeights = namedTensors(model);
  for (const [p, t] of lossWeightTensors(trainers)) expectedWeights.set(p, t);
  checkFits(dir, 'weight', tensors.weights, expectedWeights);
  checkFits(dir, 'state', tensors.state, namedTensors(model, model.state));
  checkFits(dir, 'optimizer slot', tensors.slots, slotTensors(model, trainers));
  checkMeta(dir, meta, tasks, evalTasks);
  const take = (map: Map<string, tf.Tensor>) => (p: string) => {
    const t = map.get(p)!;
    used.add(t);
    return t;
  };
  const weights = treeFromNamed(model, model.weights, take(tensors.weights));
  const state = treeFromNamed(model, model.state, take(tensors.state));
  const restored = trainers.map((trainer, i) => {
    const loss = trainer.lossLayer;
    const modelSlots = slotsFromNamed(model, model.weights, trainer.slots.model, tensors.slots, String(i));
    const lossWeights = trainer.trainsLoss
      ? treeFromNamed(loss, loss.weights, (p) => take(tensors.weights)(lossWeightsPrefix(i) + p))
      : loss.weights;
    const lossSlots = trainer.trainsLoss
      ? slotsFromNamed(loss, loss.weights, trainer.slots.loss, tensors.slots, `${i}/loss`)
      : trainer.slots.loss;
    for (const t of [...treeLeaves(modelSlots), ...treeLeaves(lossSlots)]) used.add(t);
    return { slots: { model: modelSlots, loss: lossSlots }, lossWeights };
  });
  return { weights, state, trainers: restored };
}

/**
 * Restores a loop checkpoint's tensors into the model (weights, state) and the trainers (loss-layer weights,
 * slots, update counts), after checking that all of it fits: a checkpoint that does not fit is refused with a
 * {@link CheckpointError} and nothing is replaced. Frees the tensors it did not take and those it replaced.
 */
export function restoreCheckpoint(
  dir: string,
  contents: CheckpointContents<LoopCheckpointMeta>,
  model: Layer,
  tasks: readonly TrainTask[],
  trainers: readonly TaskTrainer[],
  evalTasks: readonly EvalTask[],
): void {
  const used = new Set<tf.Tensor>();
  let trees: RestoredTrees;
  try {
    trees = restoredTrees(dir, contents, model, tasks, trainers, evalTasks, used);
  } catch (error) {
    for (const group of Object.values(contents.tensors)) tf.dispose([...group.values()].filter((t) => !used.has(t)));
    throw error;
  }
  const [weights, state] = [model.weights, model.state];
  model.weights = trees.weights;
  model.state = trees.state;
  disposeReplaced(weights, trees.weights);
  disposeReplaced(state, trees.state);
  trainers.forEach((trainer, i) => {
    const restored = trees.trainers[i]!;
    const lossWeights = trainer.lossLayer.weights;
    trainer.lossLayer.weights = restored.lossWeights;
    disposeReplaced(lossWeights, restored.lossWeights);
    trainer.restore(restored.slots, contents.meta.optimizerSteps[i]!);
  });
}
