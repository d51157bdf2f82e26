import type { TrainingLoop } from './training_loop.js';

/** What a callback may return: `'stop'` ends the run after the current step. @public */
export type CallbackResult = void | 'stop' | Promise<void | 'stop'>;

/** Passed to every callback. @public */
export interface StepEvent {
  /** The step (from 1) being run or just run. */
  step: number;
  /** The loop running the step: its model, tasks and history. */
  loop: TrainingLoop;
  /** Ends the run after the current step (as returning `'stop'` does). */
  stop(): void;
}

/** Passed to `onStepEnd`. @public */
export interface StepEndEvent extends StepEvent {
  /** Which train task ran the step. */
  task: number;
  /** The step's training loss. */
  loss: number;
  /** The learning rate the step used. */
  learningRate: number;
  /** The global L2 norm of the step's gradients, before clipping. */
  gradientsL2: number;
}

/** Passed to `onEvaluation`. @public */
export interface EvaluationEvent extends StepEvent {
  /**
   * The values just recorded: `train/<loss name>` (mean since the last evaluation), `eval/<metric name>` (with
   * `/<task>` after it when there are several eval tasks).
   */
  metrics: Readonly<Record<string, number>>;
}

/**
 * Hooks into a training loop (Trax's training callbacks). Each may return `'stop'`, or call `event.stop()`, to end
 * the run after the current step; a stopped run keeps its weights and writes nothing more.
 *
 * @example
 * ```ts
 * const earlyStop: TrainingCallback = {
 *   onEvaluation: ({ metrics }) => ((metrics['eval/WeightedCategoryAccuracy'] ?? 0) > 0.99 ? 'stop' : undefined),
 * };
 * ```
 * @public
 */
export interface TrainingCallback {
  /** Called before each step, with the number of the step about to run. */
  onStepBegin?(event: StepEvent): void | Promise<void>;
  /** Called after each step's update, with its loss, learning rate and gradient norm, before any evaluation. */
  onStepEnd?(event: StepEndEvent): CallbackResult;
  /** Called after each evaluation with the values just recorded. */
  onEvaluation?(event: EvaluationEvent): CallbackResult;
}
