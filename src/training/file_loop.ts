/**
 * The Node entry's `Loop`: the browser-safe loop, with a folder path accepted as `outputDir` (a
 * `FileRunDirectory`) and the terminal progress line drawn by default.
 */
import type { Layer } from '../core/base.js';
import { FileRunDirectory } from './file_run_directory.js';
import { Loop as loopOnRunDirectory } from './loop.js';
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
 * progress line is drawn when stdout is a terminal unless `progress` is false.
 *
 * @example
 * ```ts
 * const loop = await Loop(model, trainTask, { evalTasks: [evalTask], outputDir: 'runs/tagger', seed: 1 });
 * await loop.run(1000);
 * ```
 * @public
 */
export function Loop(model: Layer, tasks: TrainTask | readonly TrainTask[], options: LoopOptions = {}): Promise<TrainingLoop> {
  const { outputDir, progress } = options;
  return loopOnRunDirectory(model, tasks, {
    ...options,
    outputDir: typeof outputDir === 'string' ? new FileRunDirectory(outputDir) : outputDir,
    progress: progress === undefined || progress === true ? ProgressLine.create(true) : progress,
  });
}
