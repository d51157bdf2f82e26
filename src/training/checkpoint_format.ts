/**
 * What a checkpoint is, apart from where it is stored: its groups of tensors keyed by path, its JSON metadata,
 * the names of rolling checkpoints, the error it is refused with, and the check that its tensors fit a model.
 * Browser-safe: the files on disk are `checkpoint.ts`, any other store is a `RunDirectory`.
 */
import type { Tensor } from '../core/types.js';
import { weightFitProblems } from '../core/weight_fit.js';

/** The format tag in `checkpoint.json`. @public */
export const CHECKPOINT_FORMAT = 'trax-ts-checkpoint/1';

/** The name of the pointer file that names the latest complete checkpoint. @public */
export const LATEST_POINTER = 'latest';

/**
 * The path prefix of train task `task`'s loss-layer weights in a checkpoint (`loss/0/`, so a CRF's are
 * `loss/0/CrfLoss_17/transitions`). Weightless losses write nothing there.
 * @public
 */
export function lossWeightsPrefix(task: number): string {
  return `loss/${task}/`;
}

/** The groups of tensors a checkpoint holds. @public */
export type TensorGroup = 'weights' | 'slots' | 'state';

export const CHECKPOINT_GROUPS: readonly TensorGroup[] = ['weights', 'slots', 'state'];

/** Tensors by path, for each group. @public */
export type CheckpointTensors = Record<TensorGroup, Map<string, Tensor>>;

/** What a checkpoint holds: the step, tensors by path, and JSON metadata (RNG key, data positions, history...). @public */
export interface CheckpointContents<M = unknown> {
  /** The training step (from 1) the checkpoint was written after. */
  step: number;
  /** The weights, optimizer slots and state, by path. */
  tensors: CheckpointTensors;
  /** The JSON metadata written beside the tensors (for the loop, a {@link LoopCheckpointMeta}). */
  meta: M;
}

/** Test hooks that simulate a crash at a point of the write. @public */
export interface CheckpointWriteHooks {
  /** Called when every file is written under the temporary name, before it is renamed into place. */
  beforeCommit?: (temporaryDir: string) => void | Promise<void>;
  /** Called after the rename, before the `latest` pointer is replaced. */
  beforeLatest?: () => void | Promise<void>;
}

/** Options of {@link writeCheckpoint}. @public */
export interface WriteCheckpointOptions {
  /** Make `latest` point at this checkpoint and remove the older rolling ones (default false). */
  updateLatest?: boolean;
  /** Test hooks that simulate a crash during the write. */
  hooks?: CheckpointWriteHooks;
}

/** A checkpoint that is damaged, or does not fit the model it is loaded into. @public */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** The name of the rolling checkpoint of a step: `checkpoint-000120`. @public */
export function rollingCheckpointName(step: number): string {
  return `checkpoint-${String(step).padStart(6, '0')}`;
}

export const ROLLING_CHECKPOINT = /^checkpoint-\d+(\.\d+)?$/;

/** What a checkpoint says about itself, without its tensors: see {@link readCheckpointInfo}. @public */
export interface CheckpointInfo<M = unknown> {
  /** The training step (from 1) the checkpoint was written after. */
  step: number;
  /** The JSON metadata written beside the tensors (for the loop, a {@link LoopCheckpointMeta}: history, RNG, data). */
  meta: M;
}

/**
 * Checks that checkpoint tensors fit what a model expects, path by path: every expected path present with the
 * same shape and dtype, and no path the model does not have. Throws a {@link CheckpointError} listing each
 * mismatch with its path and both shapes.
 * @public
 */
export function checkFits(
  source: string,
  what: string,
  found: ReadonlyMap<string, Tensor>,
  expected: ReadonlyMap<string, { shape: readonly number[]; dtype: string }>,
): void {
  const problems = weightFitProblems(what, found, expected);
  if (problems.length > 0) {
    throw new CheckpointError(`checkpoint ${source} does not fit the model:\n  ${problems.join('\n  ')}`);
  }
}
