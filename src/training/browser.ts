/**
 * The browser-safe part of supervised training: tasks, the trainer, the loop on a run directory (in memory in a
 * page), step schedules, callbacks, the history and the chart. Checkpoint files, and the `Loop` that takes a folder
 * path, come from `index.ts`.
 */
export { TrainTask, type TrainTaskOptions, EvalTask, type EvalTaskOptions, type LabeledBatch } from './tasks.js';
export { type AtStep, atStep1AndEvery, never } from './at_steps.js';
export type { TrainingCallback, CallbackResult, StepEvent, StepEndEvent, EvaluationEvent } from './callbacks.js';
export { History, type MetricRecord } from './history.js';
export { type Logger } from './step_log.js';
export {
  NonFiniteError,
  trainStep,
  stepGradients,
  applyGradients,
  type StepGradients,
  type GradientsInput,
  type TrainStepInput,
  type StepResult,
  type ModelWithLoss,
  type ModelAndLossWeights,
} from './train_step.js';
export { Trainer, type StepMetrics, type TrainerSlots, type TaskTrainer } from './trainer.js';
export { trainingChartSvg, type TrainingChartLayout } from './chart.js';
export { Loop } from './loop_start.js';
export type { TrainingLoop } from './training_loop.js';
export type { LoopOptions, ProgressDisplay } from './loop_options.js';
export type { LoopCheckpointMeta, TrainingAccumulator } from './loop_checkpoint.js';
export type { RunDirectory } from './run_directory.js';
export { MemoryRunDirectory } from './memory_run_directory.js';
export {
  CHECKPOINT_FORMAT,
  LATEST_POINTER,
  CheckpointError,
  type CheckpointContents,
  type CheckpointTensors,
  type CheckpointWriteHooks,
  type TensorGroup,
  type WriteCheckpointOptions,
  type CheckpointInfo,
  checkFits,
  rollingCheckpointName,
  lossWeightsPrefix,
} from './checkpoint_format.js';
