/**
 * The loop's records: every value in the history, written to the run directory's metric records as they come,
 * and the training chart redrawn from them. A chart that cannot be drawn is reported once and training goes on.
 */
import { trainingChartSvg } from './chart.js';
import { History, type MetricRecord } from './history.js';
import type { RunDirectory } from './run_directory.js';

/** The history of a loop and where it is written. */
export class LoopRecords {
  private _history = new History();
  private written = 0;
  private chartFailed = false;

  constructor(
    private readonly directory: RunDirectory | undefined,
    /** Draw the chart at each flush. */
    private readonly drawChart: boolean,
    /** The chart's title and the names it shows. */
    private readonly chart: { title: string; shown: ReadonlySet<string> },
    /** Reports a chart that could not be drawn. */
    private readonly report: (message: string) => void,
  ) {}

  get history(): History {
    return this._history;
  }

  add(record: MetricRecord): void {
    this._history.add(record);
  }

  /** Starts over from a checkpoint's records and rewrites the run's metric records with them. */
  async restart(records: readonly MetricRecord[] = this._history.records): Promise<void> {
    this._history = new History(records);
    await this.directory?.writeMetrics(this._history.records);
    this.written = this._history.records.length;
  }

  /** Appends the records added since the last flush to the run directory, and redraws the chart. */
  async flush(): Promise<void> {
    if (this.directory === undefined) return;
    const fresh = this._history.records.slice(this.written);
    await this.directory.appendMetrics(fresh);
    this.written = this._history.records.length;
    if (this.drawChart && !this.chartFailed) {
      try {
        await this.directory.writeChart(trainingChartSvg(this._history.records, this.chart.shown, this.chart.title));
      } catch (error) {
        this.chartFailed = true;
        this.report(`The training chart could not be drawn (${(error as Error).message}); training goes on without it`);
      }
    }
  }

  /** Whether the last value of a metric is its best so far (lowest or highest). */
  private isBest(mode: 'train' | 'eval', metric: string, better: (a: number, b: number) => boolean): boolean {
    const values = this._history.get(mode, metric).map(([, v]) => v);
    const last = values[values.length - 1];
    return last !== undefined && !values.some((v) => better(v, last));
  }

  /**
   * The checkpoints to write after an evaluation: `lowest_<low>` when the metric `low` (an eval metric if one of
   * `evalNames`, else a train loss) is at its lowest so far, `highest_<high>` likewise.
   */
  bestCheckpointNames(low: string | undefined, high: string | undefined, evalNames: ReadonlySet<string>): string[] {
    const names: string[] = [];
    const check = (metric: string | undefined, prefix: string, better: (a: number, b: number) => boolean): void => {
      if (metric !== undefined && this.isBest(evalNames.has(metric) ? 'eval' : 'train', metric, better)) {
        names.push(`${prefix}_${metric.replace(/[^\w.-]+/g, '_')}`);
      }
    };
    check(low, 'lowest', (a, b) => a < b);
    check(high, 'highest', (a, b) => a > b);
    return names;
  }
}
