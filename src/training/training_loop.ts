/**
 * What a running training loop offers its callbacks and its caller (the `Loop` makes one). An interface of its
 * own, so that the callbacks' types and the loop's implementation do not import each other.
 */
import type { Layer } from '../core/base.js';
import type { SlotTree } from '../optimizers/optimizer.js';
import type { History, MetricRecord } from './history.js';
import type { RunDirectory } from './run_directory.js';
import type { EvalTask, TrainTask } from './tasks.js';
import type { TaskTrainer } from './trainer.js';

/**
 * A training loop; made with `Loop`. `await loop.run(n)` runs `n` more steps.
 * @public
 */
export interface TrainingLoop {
  /** The model being trained; its weights are the trained weights. */
  readonly model: Layer;
  /** The train tasks; a step runs one of them (by default `step % tasks.length`). */
  readonly tasks: readonly TrainTask[];
  /** One trainer per train task (its optimizer slots and update count), sharing the model. */
  readonly trainers: readonly TaskTrainer[];
  /** The eval tasks, run at the evaluation steps. */
  readonly evalTasks: readonly EvalTask[];
  /** The model evaluations run, with the trained weights (the model itself unless `evalModel` was given). */
  readonly evalModel: Layer;
  /** Where metrics, the chart and checkpoints are written; `undefined`: nothing is written. */
  readonly runDirectory: RunDirectory | undefined;
  /** The number of steps run so far (restored from a checkpoint). */
  readonly step: number;
  /** Every value recorded so far. */
  readonly history: History;
  /** The step and id (for files, the directory) of the last rolling checkpoint written or restored. */
  readonly lastCheckpoint: { step: number; dir: string } | undefined;
  /** The optimizer slots of a train task's model weights (their layout, a dict of slots per weight). */
  slotsOf(task?: number): SlotTree;
  /** Runs `nSteps` more training steps, with the evaluations, logs and checkpoints their steps call for. */
  run(nSteps: number): Promise<void>;
  /** Ends the current run after the step being run. */
  requestStop(): void;
  /** Runs the eval tasks now (without recording them) and returns their metrics by name. */
  runEvals(): Promise<Record<string, number>>;
  /**
   * Records values measured outside the loop (a dev-set score computed by a callback) at the current step (or
   * `step`): into the history, the run's metric records and the chart, as the loop's own.
   */
  recordMetrics(values: ReadonlyArray<Omit<MetricRecord, 'step'>>, step?: number): Promise<void>;
  /**
   * Runs `f` with the model (and each train task's loss layer) holding the moving averages of their weights kept by
   * an optimizer made with `averageDecay`, then puts the trained weights back.
   */
  withAveragedWeights<T>(f: () => T | Promise<T>, task?: number): Promise<T>;
  /**
   * Writes a checkpoint of everything needed to resume. Without a name, it is the rolling checkpoint that
   * `latest` names; a named one (`model_100`) is kept apart. Returns its id (for files, its directory).
   */
  saveCheckpoint(name?: string): Promise<string>;
  /** Frees the optimizer slots (the model and the loss layers keep their weights). */
  dispose(): void;
}
