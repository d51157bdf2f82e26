/**
 * Supervised training in the style of `trax.supervised.training`: tasks, the trainer, the loop, checkpoints and the
 * chart. Everything browser-safe comes from `browser.ts`; this module adds what uses Node's `fs`: checkpoint files,
 * the run directory on files, and the `Loop` that takes a folder path and draws a terminal progress line.
 */
export * from './browser.js';
export { Loop } from './file_loop.js';
export { writeCheckpoint, readCheckpoint, readCheckpointInfo, latestCheckpoint, removeStaleTemporaries } from './checkpoint.js';
export { FileRunDirectory, METRICS_FILE, CHART_FILE } from './file_run_directory.js';
export { loadCheckpointWeights, type CheckpointLayers } from './checkpoint_weights.js';
export { writeFileAtomic, makeDirectory, DirectoryError } from './atomic_fs.js';
export { ProgressBars, ProgressLine, stepRate, type ProgressBarLine } from './progress.js';
