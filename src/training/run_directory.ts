/**
 * Where a training run keeps what it writes: the metric records, the training chart and the checkpoints. The
 * `Loop` writes through this interface only, so the same loop runs in Node (`FileRunDirectory`, files in a
 * folder) and in a page (`MemoryRunDirectory`). Browser-safe.
 */
import type { CheckpointContents, WriteCheckpointOptions } from './checkpoint_format.js';
import type { MetricRecord } from './history.js';

/**
 * A training run's storage. Checkpoints are named (`checkpoint-000120`, `best_dev_f1`) and identified by the
 * string {@link RunDirectory.writeCheckpoint} returns (a directory path for files). @public
 */
export interface RunDirectory {
  /** Where the run is kept, for messages: a folder path, or `memory:<name>`. */
  readonly location: string;
  /** Makes the storage ready and removes what an interrupted write left behind; called once when a loop starts. */
  open(): Promise<void>;
  /** Replaces every metric record with `records` (a resumed run starts from its checkpoint's history). */
  writeMetrics(records: readonly MetricRecord[]): Promise<void>;
  /** Appends metric records after those written so far. */
  appendMetrics(records: readonly MetricRecord[]): Promise<void>;
  /** Replaces the training chart (an SVG document). */
  writeChart(svg: string): Promise<void>;
  /**
   * Writes the checkpoint `name` atomically (a crash leaves the previous one whole); with `updateLatest`, it becomes
   * the latest and older rolling checkpoints are removed. Returns the checkpoint's id.
   */
  writeCheckpoint<M>(name: string, contents: CheckpointContents<M>, options?: WriteCheckpointOptions): Promise<string>;
  /** The id of the latest complete checkpoint, or undefined when there is none. */
  latestCheckpoint(): Promise<string | undefined>;
  /** Reads the checkpoint `id` (as returned by writeCheckpoint or latestCheckpoint); the caller owns its tensors. */
  readCheckpoint<M>(id: string): Promise<CheckpointContents<M>>;
}
