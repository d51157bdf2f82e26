/**
 * A run directory in memory, for a `Loop` in a page (or a test): metric records, the chart and checkpoints kept
 * as encoded bytes, as tfjs's `tf.io.encodeWeights` writes them, so a checkpoint is a copy that later steps and
 * backend switches cannot touch. Browser-safe.
 */
import { tf } from '../backend/tf.js';
import {
  CHECKPOINT_GROUPS,
  CheckpointError,
  type CheckpointContents,
  type CheckpointTensors,
  ROLLING_CHECKPOINT,
  type TensorGroup,
  type WriteCheckpointOptions,
} from './checkpoint_format.js';
import type { MetricRecord } from './history.js';
import type { RunDirectory } from './run_directory.js';

interface StoredCheckpoint {
  step: number;
  meta: string;
  groups: Record<TensorGroup, { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] }>;
}

/**
 * A {@link RunDirectory} in memory. Read what the loop wrote from {@link MemoryRunDirectory.metrics},
 * {@link MemoryRunDirectory.chart} and {@link MemoryRunDirectory.checkpointNames}, or be told with
 * {@link MemoryRunDirectory.onMetrics} (a page's live chart).
 *
 * @example
 * ```ts
 * const run = new MemoryRunDirectory('fine-tune');
 * run.onMetrics((records) => chart.add(records));
 * const loop = await Loop(model, task, { outputDir: run });
 * ```
 * @public
 */
export class MemoryRunDirectory implements RunDirectory {
  /** `memory:<name>`. */
  readonly location: string;
  private records: MetricRecord[] = [];
  private svg: string | undefined;
  private readonly checkpoints = new Map<string, StoredCheckpoint>();
  private latest: string | undefined;
  private readonly listeners: Array<(records: readonly MetricRecord[], all: readonly MetricRecord[]) => void> = [];

  /** An empty run directory; `name` appears in its location, `memory:<name>`. */
  constructor(name = 'run') {
    this.location = `memory:${name}`;
  }

  /** Every metric record written, in order. */
  get metrics(): readonly MetricRecord[] {
    return this.records;
  }

  /** The last training chart written (SVG), if any. */
  get chart(): string | undefined {
    return this.svg;
  }

  /** The names of the checkpoints held. */
  get checkpointNames(): string[] {
    return [...this.checkpoints.keys()];
  }

  /**
   * Calls `listener` with the records each write adds (and all records so far); after a `writeMetrics` (a resumed
   * run) it gets every record. Returns a function that removes the listener.
   */
  onMetrics(listener: (added: readonly MetricRecord[], all: readonly MetricRecord[]) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** {@inheritDoc RunDirectory.open} */
  async open(): Promise<void> {}

  /** {@inheritDoc RunDirectory.writeMetrics} */
  async writeMetrics(records: readonly MetricRecord[]): Promise<void> {
    this.records = records.map((r) => ({ ...r }));
    this.notify(this.records);
  }

  /** {@inheritDoc RunDirectory.appendMetrics} */
  async appendMetrics(records: readonly MetricRecord[]): Promise<void> {
    if (records.length === 0) return;
    const added = records.map((r) => ({ ...r }));
    this.records.push(...added);
    this.notify(added);
  }

  /** {@inheritDoc RunDirectory.writeChart} */
  async writeChart(svg: string): Promise<void> {
    this.svg = svg;
  }

  /** {@inheritDoc RunDirectory.writeCheckpoint} */
  async writeCheckpoint<M>(name: string, contents: CheckpointContents<M>, options: WriteCheckpointOptions = {}): Promise<string> {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`MemoryRunDirectory.writeCheckpoint: '${name}' is not a valid checkpoint name`);
    const groups = {} as StoredCheckpoint['groups'];
    for (const group of CHECKPOINT_GROUPS) {
      const named: tf.NamedTensorMap = Object.fromEntries(contents.tensors[group]);
      groups[group] = await tf.io.encodeWeights(named, group === 'slots' ? 'optimizer' : 'model');
    }
    const stored: StoredCheckpoint = { step: contents.step, meta: JSON.stringify(contents.meta ?? null), groups };
    await options.hooks?.beforeCommit?.(name);
    this.checkpoints.set(name, stored);
    if (options.updateLatest) {
      await options.hooks?.beforeLatest?.();
      this.latest = name;
      for (const other of [...this.checkpoints.keys()]) {
        if (ROLLING_CHECKPOINT.test(other) && other !== name) this.checkpoints.delete(other);
      }
    }
    return name;
  }

  /** {@inheritDoc RunDirectory.latestCheckpoint} */
  async latestCheckpoint(): Promise<string | undefined> {
    return this.latest;
  }

  /** {@inheritDoc RunDirectory.readCheckpoint} */
  async readCheckpoint<M>(id: string): Promise<CheckpointContents<M>> {
    const stored = this.checkpoints.get(id);
    if (!stored) throw new CheckpointError(`${this.location} has no checkpoint '${id}'`);
    const tensors: CheckpointTensors = { weights: new Map(), slots: new Map(), state: new Map() };
    for (const group of CHECKPOINT_GROUPS) {
      const { data, specs } = stored.groups[group];
      for (const [name, t] of Object.entries(tf.io.decodeWeights(data, specs))) tensors[group].set(name, t);
    }
    return { step: stored.step, tensors, meta: JSON.parse(stored.meta) as M };
  }

  private notify(added: readonly MetricRecord[]): void {
    for (const listener of this.listeners) listener(added, this.records);
  }
}
