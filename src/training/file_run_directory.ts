/**
 * A run directory on files (Node): `metrics.jsonl` (one JSON record per line), `training.svg` and one folder per
 * checkpoint, written atomically by `checkpoint.ts`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeDirectory, writeFileAtomic } from './atomic_fs.js';
import { latestCheckpoint, readCheckpoint, removeStaleTemporaries, writeCheckpoint } from './checkpoint.js';
import type { CheckpointContents, WriteCheckpointOptions } from './checkpoint_format.js';
import type { MetricRecord } from './history.js';
import type { RunDirectory } from './run_directory.js';

/** The name of the metric records' file in a run directory. @public */
export const METRICS_FILE = 'metrics.jsonl';

/** The name of the training chart's file in a run directory. @public */
export const CHART_FILE = 'training.svg';

const jsonLines = (records: readonly MetricRecord[]): string => records.map((r) => JSON.stringify(r) + '\n').join('');

/**
 * A {@link RunDirectory} in a folder: `metrics.jsonl`, `training.svg`, and the checkpoints as sub-folders (their
 * ids are their paths). What a `Loop` given `outputDir: 'runs/a'` writes into. @public
 */
export class FileRunDirectory implements RunDirectory {
  /** The folder's path. */
  readonly location: string;

  /** A run directory in `folder` (made when a loop opens it). */
  constructor(folder: string) {
    this.location = folder;
  }

  /** {@inheritDoc RunDirectory.open} */
  async open(): Promise<void> {
    await makeDirectory(this.location);
    await removeStaleTemporaries(this.location);
  }

  /** {@inheritDoc RunDirectory.writeMetrics} */
  async writeMetrics(records: readonly MetricRecord[]): Promise<void> {
    await writeFileAtomic(path.join(this.location, METRICS_FILE), jsonLines(records));
  }

  /** {@inheritDoc RunDirectory.appendMetrics} */
  async appendMetrics(records: readonly MetricRecord[]): Promise<void> {
    if (records.length > 0) await fs.appendFile(path.join(this.location, METRICS_FILE), jsonLines(records));
  }

  /** {@inheritDoc RunDirectory.writeChart} */
  async writeChart(svg: string): Promise<void> {
    await writeFileAtomic(path.join(this.location, CHART_FILE), svg);
  }

  /** {@inheritDoc RunDirectory.writeCheckpoint} */
  writeCheckpoint<M>(name: string, contents: CheckpointContents<M>, options?: WriteCheckpointOptions): Promise<string> {
    return writeCheckpoint(this.location, name, contents, options);
  }

  /** {@inheritDoc RunDirectory.latestCheckpoint} */
  latestCheckpoint(): Promise<string | undefined> {
    return latestCheckpoint(this.location);
  }

  /** {@inheritDoc RunDirectory.readCheckpoint} */
  readCheckpoint<M>(id: string): Promise<CheckpointContents<M>> {
    return readCheckpoint<M>(id);
  }
}
