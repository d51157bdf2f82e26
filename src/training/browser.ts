/**
 * The browser-safe part of supervised training: tasks, step schedules, callbacks, the history and the chart.
 * The `Loop` and checkpoints, which write files with Node's `fs`, come from `index.ts`.
 */
export { TrainTask, type TrainTaskOptions, EvalTask, type EvalTaskOptions, type LabeledBatch } from './tasks.js';
export { type AtStep, atStep1AndEvery, never } from './at_steps.js';
export type { TrainingCallback, CallbackResult, StepEvent, StepEndEvent, EvaluationEvent } from './callbacks.js';
export { History, type MetricRecord } from './history.js';
export { type Logger } from './step_log.js';
export { NonFiniteError } from './train_step.js';
export { trainingChartSvg, type TrainingChartLayout } from './chart.js';
