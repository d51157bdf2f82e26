/** The options of a training loop. */
import type { Layer } from '../core/base.js';
import { type AtStep, atStep1AndEvery, never } from './at_steps.js';
import type { TrainingCallback } from './callbacks.js';
import type { CheckpointWriteHooks } from './checkpoint_format.js';
import type { DataParallelOptions } from '../parallel/data_parallel_trainer.js';
import type { RunDirectory } from './run_directory.js';
import type { Logger } from './step_log.js';
import type { EvalTask, TrainTask } from './tasks.js';

/**
 * A live progress display of a run (the Node `Loop` draws a terminal progress line). Log lines go through it while
 * it is shown. @public
 */
export interface ProgressDisplay {
  /** A run of `total` steps starts at step `firstStep`. */
  start(total: number, firstStep: number): void;
  /** `done` steps of the run are done; the last was `step`, with this loss. */
  tick(done: number, step: number, loss: number): void;
  /** Prints a log line (above the display while it is shown; else through `fallback`). */
  log(line: string, fallback: Logger): void;
  /** The run ended. */
  stop(): void;
}

/** Options of `Loop`. @public */
export interface LoopOptions {
  /** The model evaluations run (with dropout off, say); it gets the trained weights. Default: the model, in mode `eval` while evaluating. */
  evalModel?: Layer;
  /** Eval tasks, run at `evalAt` steps. */
  evalTasks?: EvalTask | readonly EvalTask[];
  /**
   * Where metrics, the chart and checkpoints go: a {@link RunDirectory} (`MemoryRunDirectory` in a page), or in
   * Node a folder path (files: checkpoints, `metrics.jsonl`, `training.svg`). One holding a checkpoint is resumed from.
   */
  outputDir?: string | RunDirectory;
  /** Steps at which to log training metrics and run the eval tasks (default: step 1 and every `nStepsPerCheckpoint`). */
  evalAt?: AtStep;
  /** Steps at which to write the rolling checkpoint (default: step 1 and every `nStepsPerCheckpoint`). */
  checkpointAt?: AtStep;
  /** Steps at which to write a permanent checkpoint `model_<step>` (default: every `nStepsPerPermanentCheckpoint`, if set). */
  permanentCheckpointAt?: AtStep;
  /** After an evaluation where this metric is the lowest so far, write the checkpoint `lowest_<metric>`. */
  checkpointLowMetric?: string;
  /** After an evaluation where this metric is the highest so far, write the checkpoint `highest_<metric>`. */
  checkpointHighMetric?: string;
  /** Hooks called at each step and evaluation; one may stop the run. */
  callbacks?: readonly TrainingCallback[];
  /** The seed of every random draw: weight initialisation and the per-step keys (default 0). */
  seed?: number;
  /** Which train task runs at a step (default: `step % tasks.length`). */
  whichTask?: (step: number) => number;
  /** Receives the log lines (default: `console.log`). */
  logger?: Logger;
  /**
   * The live progress display: `true` (default) for the terminal progress line where there is one (Node, stdout a
   * terminal), `false` for none, or a display of your own.
   */
  progress?: boolean | ProgressDisplay;
  /** Redraw the chart at each evaluation (default true when there is an output directory). */
  chart?: boolean;
  /** Crash simulation for tests of checkpoint writing. */
  checkpointHooks?: CheckpointWriteHooks;
  /**
   * Node: train every task on several cores, each batch cut over the main thread and `workers - 1` worker threads
   * (see `DataParallelTrainer`). A checkpoint resumes with any worker count (the log says when it changed).
   */
  dataParallel?: DataParallelOptions;
}

/** When a loop evaluates and checkpoints, and which task a step runs: the options, or the first task's periods. */
export interface LoopSchedule {
  evalAt: AtStep;
  checkpointAt: AtStep;
  permanentCheckpointAt: AtStep;
  whichTask: (step: number) => number;
}

export function loopSchedule(options: LoopOptions, tasks: readonly TrainTask[]): LoopSchedule {
  const defaultAt = atStep1AndEvery(tasks[0]!.nStepsPerCheckpoint);
  const permanent = tasks[0]!.nStepsPerPermanentCheckpoint;
  return {
    evalAt: options.evalAt ?? defaultAt,
    checkpointAt: options.checkpointAt ?? defaultAt,
    permanentCheckpointAt: options.permanentCheckpointAt ?? (permanent ? (step) => step % permanent === 0 : never),
    whichTask: options.whichTask ?? ((step) => step % tasks.length),
  };
}
