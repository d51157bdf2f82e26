/**
 * Starting a training loop: the browser-safe `Loop` (a `RunDirectory`, or nothing, to write to) and `startLoop`,
 * which the Node entry's `Loop` calls with its file directory and, for `dataParallel`, its trainers.
 */
import { readyBackend } from '../backend/backends.js';
import type { Layer } from '../core/base.js';
import { RunningLoop, type TrainerFactory } from './loop.js';
import type { LoopOptions } from './loop_options.js';
import type { RunDirectory } from './run_directory.js';
import type { TrainTask } from './tasks.js';
import { Trainer } from './trainer.js';
import type { TrainingLoop } from './training_loop.js';

/**
 * Builds a training loop: initialises the model from the first training batch's signature (with keys from
 * `seed`), checks that the model's output fits each task's loss and metrics (else fails naming both shapes),
 * makes one {@link Trainer} per task, and, when `outputDir` holds a checkpoint, restores it (weights, slots, step,
 * RNG key, data positions, metric history): a loop that resumes continues exactly as if never interrupted.
 * This is the browser-safe loop: `outputDir` must be a {@link RunDirectory} (the Node entry's `Loop` also takes
 * a folder path).
 *
 * @example
 * ```ts
 * const loop = await Loop(model, trainTask, { evalTasks: [evalTask], outputDir: new MemoryRunDirectory(), seed: 1 });
 * await loop.run(1000);
 * ```
 * @public
 */
export async function Loop(model: Layer, tasks: TrainTask | readonly TrainTask[], options: LoopOptions = {}): Promise<TrainingLoop> {
  const { outputDir } = options;
  if (options.dataParallel) throw new Error("Loop: dataParallel needs Node's worker threads; it is an option of the Node entry's Loop");
  if (typeof outputDir === 'string') {
    throw new Error(
      `Loop: outputDir '${outputDir}' is a folder path, which needs Node's file system; here pass a RunDirectory (new MemoryRunDirectory())`,
    );
  }
  return startLoop(model, tasks, options, outputDir);
}

/** Starts a loop on a run directory (or none), each task trained by what `makeTrainer` makes (default: a {@link Trainer}). */
export async function startLoop(
  model: Layer,
  tasks: TrainTask | readonly TrainTask[],
  options: LoopOptions,
  runDirectory: RunDirectory | undefined,
  makeTrainer: TrainerFactory = (task) => new Trainer(model, task.lossLayer, task.optimizer),
): Promise<TrainingLoop> {
  await readyBackend();
  const loop = new RunningLoop(model, Array.isArray(tasks) ? tasks : [tasks as TrainTask], options, runDirectory);
  try {
    await loop.initialize(makeTrainer);
  } catch (error) {
    loop.dispose();
    throw error;
  }
  return loop;
}
