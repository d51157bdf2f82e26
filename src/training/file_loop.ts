/**
 * The Node entry's `Loop`: the browser-safe loop, with a folder path accepted as `outputDir` (a
 * `FileRunDirectory`) and the terminal progress line drawn by default.
 */
import type { Layer } from '../core/base.js';
import { FileRunDirectory } from './file_run_directory.js';
import { DataParallelTrainer } from '../parallel/data_parallel_trainer.js';
import type { TrainerFactory } from './loop.js';
import { startLoop } from './loop_start.js';
import type { LoopOptions } from './loop_options.js';
import { ProgressLine } from './progress.js';
import type { TrainTask } from './tasks.js';
import type { TrainingLoop } from './training_loop.js';

/**
 * Builds a training loop: initialises the model from the first training batch's signature (with keys from
 * `seed`), checks that the model's output fits each task's loss and metrics (else fails naming both shapes),
 * makes one `Trainer` per task, and, when `outputDir` holds a checkpoint, restores it (weights, slots, step, RNG
 * key, data positions, metric history): a loop that resumes continues exactly as if never interrupted.
 * `outputDir` is a folder (checkpoints, `metrics.jsonl`, `training.svg`) or any {@link RunDirectory}; the live
 * progress line is drawn when stdout is a terminal unless `progress` is false; `dataParallel` trains on several
 * cores (worker threads).
 *
 * @example
 * ```ts
 * const loop = await Loop(model, trainTask, { evalTasks: [evalTask], outputDir: 'runs/tagger', seed: 1 });
 * await loop.run(1000);
 * ```
 * @public
 */
export function Loop(model: Layer, tasks: TrainTask | readonly TrainTask[], options: LoopOptions = {}): Promise<TrainingLoop> {
  const { outputDir, progress, dataParallel, ...rest } = options;
  const runDirectory = typeof outputDir === 'string' ? new FileRunDirectory(outputDir) : outputDir;
  const display = progress === undefined || progress === true ? ProgressLine.create(true) : progress;
  const makeTrainer: TrainerFactory | undefined = dataParallel
    ? (task) => DataParallelTrainer.start(model, task.lossLayer, task.optimizer, dataParallel)
    : undefined;
  return startLoop(model, tasks, { ...rest, progress: display }, runDirectory, makeTrainer);
}
