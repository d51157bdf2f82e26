/** One recorded value: a training loss or rate, or an evaluation metric, at a step. @public */
export interface MetricRecord {
  /** The step (from 1) the value was recorded at. */
  step: number;
  /** `train` (losses, learning rate, norms) or `eval` (metrics of an evaluation task). */
  mode: 'train' | 'eval';
  /** Index of the train or eval task. */
  task: number;
  /** The metric's name: a loss or metric name, `learning_rate`, `gradients_l2`, `weights_l2`. */
  name: string;
  /**
   * The recorded value: for `train`, the mean since the last evaluation; for `eval`, the mean over the eval batches.
   */
  value: number;
}

/**
 * Every value a training loop has recorded, in order. It is part of each checkpoint, so a resumed loop carries
 * its whole history on.
 * @public
 */
export class History {
  private readonly items: MetricRecord[] = [];

  constructor(records: readonly MetricRecord[] = []) {
    this.items.push(...records);
  }

  /** Appends a record. */
  add(record: MetricRecord): void {
    this.items.push(record);
  }

  /** All records, in order. */
  get records(): readonly MetricRecord[] {
    return this.items;
  }

  /** `[step, value]` pairs of one metric, in order (of any task unless `task` is given). */
  get(mode: 'train' | 'eval', name: string, task?: number): Array<[number, number]> {
    return this.items
      .filter((r) => r.mode === mode && r.name === name && (task === undefined || r.task === task))
      .map((r) => [r.step, r.value]);
  }
}
