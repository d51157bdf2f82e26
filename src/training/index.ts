/**
 * Supervised training in the style of `trax.supervised.training`: tasks, the loop, checkpoints and the chart.
 * Everything browser-safe comes from `browser.ts`; this module adds the `Loop` and checkpoints (Node's `fs`).
 */
export * from './browser.js';
export { Loop, TrainingLoop, type LoopOptions, type LoopCheckpointMeta, type TrainingAccumulator } from './loop.js';
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
  readCheckpointInfo,
  type CheckpointInfo,
  latestCheckpoint,
  checkFits,
  rollingCheckpointName,
  removeStaleTemporaries,
} from './checkpoint.js';
export { loadCheckpointWeights, lossWeightsPrefix, type CheckpointLayers } from './checkpoint_weights.js';
export { writeFileAtomic, makeDirectory, DirectoryError } from './atomic_fs.js';
