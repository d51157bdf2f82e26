/**
 * Supervised training in the style of `trax.supervised.training`: tasks, the loop, checkpoints and the chart.
 */
export { TrainTask, type TrainTaskOptions, EvalTask, type EvalTaskOptions, type LabeledBatch } from './tasks.js';
export { Loop, TrainingLoop, type LoopOptions, type LoopCheckpointMeta } from './loop.js';
export { type AtStep, atStep1AndEvery, never } from './at_steps.js';
export type { TrainingCallback, CallbackResult, StepEvent, StepEndEvent, EvaluationEvent } from './callbacks.js';
export { History, type MetricRecord } from './history.js';
export { type Logger } from './step_log.js';
export { NonFiniteError } from './train_step.js';
export {
  CHECKPOINT_FORMAT,
  LATEST_POINTER,
  CheckpointError,
  type CheckpointContents,
  type CheckpointTensors,
  type CheckpointWriteHooks,
  type TensorGroup,
  type WriteCheckpointOptions,
  writeCheckpoint,
  readCheckpoint,
  latestCheckpoint,
  checkFits,
  rollingCheckpointName,
  removeStaleTemporaries,
} from './checkpoint.js';
export { trainingChartSpec, renderSvg, type VegaLiteSpec } from './chart.js';
