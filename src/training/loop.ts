/**
 * The training loop (Trax's `trax.supervised.training.Loop`): trains a model on one or more train tasks (one
 * `Trainer` each), runs eval tasks, logs in Trax's format, records metrics, draws the training chart, and
 * checkpoints everything needed to resume exactly, all through a `RunDirectory`. Browser-safe; the Node entry's
 * `Loop` also takes a folder path and draws a terminal progress line.
 */
import type { Layer } from '../core/base.js';
import type { SlotTree } from '../optimizers/optimizer.js';
import { type Key, makeKey, splitKey } from '../rng/key.js';
import type { StepEvent } from './callbacks.js';
import { rollingCheckpointName } from './checkpoint_format.js';
import { evalTaskMeans } from './evaluate.js';
import type { MetricRecord } from './history.js';
import { checkpointTensors, type LoopCheckpointMeta, restoreCheckpoint, type TrainingAccumulator } from './loop_checkpoint.js';
import { type LoopOptions, type LoopSchedule, loopSchedule, type ProgressDisplay } from './loop_options.js';
import { LoopRecords } from './loop_records.js';
import { accumulate, freshAccumulator, trainingSummary } from './training_summary.js';
import { setUpLoop } from './loop_setup.js';
import type { RunDirectory } from './run_directory.js';
import { type Logger, metricLine, stepLine } from './step_log.js';
import type { EvalTask, TrainTask } from './tasks.js';
import { NonFiniteError } from './train_step.js';
import { type TaskTrainer, withAveragedWeights } from './trainer.js';
import type { TrainingLoop } from './training_loop.js';

/** Makes the trainer of train task `index` (the model is initialised by then). */
export type TrainerFactory = (task: TrainTask, index: number, model: Layer) => TaskTrainer | Promise<TaskTrainer>;

/** Resolves after the event loop has run what is pending (Node: `setImmediate`; browsers: a zero timeout). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** The loop `Loop` makes (through `startLoop`). */
export class RunningLoop implements TrainingLoop {
  readonly model: Layer;
  readonly tasks: readonly TrainTask[];
  readonly evalTasks: readonly EvalTask[];
  readonly evalModel: Layer;
  trainers: TaskTrainer[] = [];
  private readonly logger: Logger;
  private readonly schedule: LoopSchedule;
  private _step = 0;
  private rng: Key;
  private readonly initKeys: [Key, Key];
  private accumulators: TrainingAccumulator[];
  private readonly records: LoopRecords;
  private stopRequested = false;
  private trainSeconds = 0;
  private sinceEvalSeconds = 0;
  private readonly nameWidth: number;
  private progress: ProgressDisplay | undefined;
  private _lastCheckpoint: { step: number; dir: string } | undefined;

  constructor(
    model: Layer,
    tasks: readonly TrainTask[],
    private readonly options: LoopOptions,
    readonly runDirectory: RunDirectory | undefined,
  ) {
    if (tasks.length === 0) throw new Error('Loop: needs at least one TrainTask');
    this.model = model;
    this.tasks = [...tasks];
    const evalTasks = options.evalTasks;
    this.evalTasks = evalTasks === undefined ? [] : Array.isArray(evalTasks) ? [...evalTasks] : [evalTasks as EvalTask];
    this.evalModel = options.evalModel ?? model;
    this.logger = options.logger ?? ((line) => console.log(line));
    this.schedule = loopSchedule(options, this.tasks);
    const [initKey, evalInitKey, rng] = splitKey(makeKey(options.seed ?? 0), 3) as [Key, Key, Key];
    this.initKeys = [initKey, evalInitKey];
    this.rng = rng;
    this.accumulators = this.tasks.map(freshAccumulator);
    const names = [...this.tasks.map((t) => t.lossName), ...this.evalTasks.flatMap((e) => e.metricNames)];
    this.nameWidth = Math.max(...names.map((n) => n.length));
    const chart = { title: `${model.name}: training`, shown: new Set(names) };
    this.records = new LoopRecords(runDirectory, options.chart ?? true, chart, (m) => this.log(stepLine(this._step, m)));
  }

  get step(): number {
    return this._step;
  }

  get history() {
    return this.records.history;
  }

  get lastCheckpoint(): { step: number; dir: string } | undefined {
    return this._lastCheckpoint;
  }

  slotsOf(task = 0): SlotTree {
    return this.trainers[task]!.slots.model;
  }

  withAveragedWeights<T>(f: () => T | Promise<T>, task = 0): Promise<T> {
    return withAveragedWeights(this.model, this.evalModel, this.trainers, task, f);
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  /** Initialisation; called by {@link Loop}. */
  async initialize(makeTrainer: TrainerFactory): Promise<void> {
    const { checkpointLowMetric, checkpointHighMetric } = this.options;
    const checkpointMetrics = [checkpointLowMetric, checkpointHighMetric];
    await setUpLoop({
      model: this.model,
      evalModel: this.evalModel,
      tasks: this.tasks,
      evalTasks: this.evalTasks,
      initKeys: this.initKeys,
      checkpointMetrics,
    });
    for (const [i, task] of this.tasks.entries()) this.trainers.push(await makeTrainer(task, i, this.model));
    if (this.runDirectory === undefined) return;
    await this.runDirectory.open();
    const latest = await this.runDirectory.latestCheckpoint();
    if (latest) await this.restore(latest);
    await this.records.restart();
  }

  async run(nSteps: number): Promise<void> {
    if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`Loop.run: nSteps must be a non-negative integer, got ${nSteps}`);
    this.stopRequested = false;
    const progress = this.options.progress;
    this.progress = typeof progress === 'object' ? progress : undefined;
    this.progress?.start(nSteps, this._step + 1);
    try {
      for (let i = 0; i < nSteps && !this.stopRequested; i++) {
        const loss = await this.runOneStep();
        this.progress?.tick(i + 1, this._step, loss);
      }
    } finally {
      this.progress?.stop();
      this.progress = undefined;
    }
  }

  private log(line: string): void {
    // A logger of the caller's always gets the line; the default one prints above the progress display.
    if (this.progress && this.options.logger === undefined) this.progress.log(line, this.logger);
    else this.logger(line);
  }

  private event(step: number): StepEvent {
    return { step, loop: this, stop: () => this.requestStop() };
  }

  /** Runs one step (with its evaluations and checkpoints) and returns its loss. */
  private async runOneStep(): Promise<number> {
    const step = this._step + 1;
    const t = this.schedule.whichTask(step);
    const task = this.tasks[t];
    const trainer = this.trainers[t];
    if (!task || !trainer) throw new Error(`Loop: whichTask(${step}) gave ${t}, but there are ${this.tasks.length} train tasks`);
    for (const cb of this.options.callbacks ?? []) await cb.onStepBegin?.(this.event(step));

    const started = performance.now();
    const arrays = await task.labeledData.next();
    const learningRate = task.learningRate(step);
    const [nextRng, stepRng] = splitKey(this.rng, 2) as [Key, Key];
    let result;
    try {
      result = await trainer.step(arrays, stepRng, { learningRate, step });
    } catch (error) {
      if (!(error instanceof NonFiniteError)) throw error;
      const last = this._lastCheckpoint ? `the last checkpoint (step ${this._lastCheckpoint.step}) is intact` : 'no checkpoint was written';
      this.log(stepLine(step, `${error.reason}; ${last}.`));
      throw new NonFiniteError(error.step, error.what, error.value, `${error.reason}; ${last}.`);
    }
    this.shareWithEvalModel();
    this.rng = nextRng;
    this._step = step;
    const seconds = (performance.now() - started) / 1000;
    this.trainSeconds += seconds;
    this.sinceEvalSeconds += seconds;
    accumulate(this.accumulators[t]!, result);

    // Let pending events run (a Ctrl-C handler, messages, timers): a step is otherwise all synchronous work and
    // microtasks, so a stop requested from outside would only be seen at the next checkpoint's write.
    await yieldToEventLoop();
    for (const cb of this.options.callbacks ?? []) {
      const verdict = await cb.onStepEnd?.({
        ...this.event(step),
        task: t,
        loss: result.loss,
        learningRate,
        gradientsL2: result.gradientsL2,
      });
      if (verdict === 'stop') this.requestStop();
    }

    const evaluated = this.schedule.evalAt(step);
    if (evaluated) await this.logAndEvaluate(step);
    if (this.runDirectory !== undefined) {
      if (this.schedule.checkpointAt(step)) await this.saveCheckpoint();
      if (this.schedule.permanentCheckpointAt(step)) await this.saveCheckpoint(`model_${step}`);
      if (evaluated) await this.saveMetricCheckpoints();
    }
    return result.loss;
  }

  private shareWithEvalModel(): void {
    if (this.evalModel === this.model) return;
    this.evalModel.weights = this.model.weights;
    this.evalModel.state = this.model.state;
  }

  private record(metrics: Record<string, number>, r: MetricRecord & { key?: string }, key = r.key): void {
    const { step, mode, task, name, value } = r;
    this.records.add({ step, mode, task, name, value });
    if (key) metrics[key] = value;
  }

  /** Logs the training metrics since the last evaluation, runs the eval tasks, records and draws everything. */
  private async logAndEvaluate(step: number): Promise<void> {
    const metrics: Record<string, number> = {};
    const summary = trainingSummary(step, this.model, this.tasks, this.accumulators, this.sinceEvalSeconds, this.nameWidth);
    for (const line of summary.lines) this.log(stepLine(step, line));
    for (const r of summary.records) this.record(metrics, r, r.key);
    this.sinceEvalSeconds = 0;
    this.accumulators = this.tasks.map(freshAccumulator);
    for (const r of await this.evalRecords(step)) {
      this.log(stepLine(step, metricLine('eval', r.name, r.value, this.nameWidth)));
      this.record(metrics, r);
    }
    await this.records.flush();
    for (const cb of this.options.callbacks ?? []) {
      const verdict = await cb.onEvaluation?.({ ...this.event(step), metrics });
      if (verdict === 'stop') this.requestStop();
    }
  }

  async recordMetrics(values: ReadonlyArray<Omit<MetricRecord, 'step'>>, step = this._step): Promise<void> {
    for (const v of values) this.records.add({ step, mode: v.mode, task: v.task, name: v.name, value: v.value });
    await this.records.flush();
  }

  async runEvals(): Promise<Record<string, number>> {
    return Object.fromEntries((await this.evalRecords(this._step)).map((r) => [r.key.slice('eval/'.length), r.value]));
  }

  /** Runs every eval task: one record per metric, keyed `eval/<name>` (and `/<task>` when there are several). */
  private async evalRecords(step: number): Promise<Array<MetricRecord & { key: string }>> {
    const out: Array<MetricRecord & { key: string }> = [];
    for (const [e, evalTask] of this.evalTasks.entries()) {
      const values = await evalTaskMeans(evalTask, this.evalModel, this.model, () => {
        const [nextRng, rng] = splitKey(this.rng, 2) as [Key, Key];
        this.rng = nextRng;
        return rng;
      });
      const suffix = this.evalTasks.length > 1 ? `/${e}` : '';
      evalTask.metricNames.forEach((name, m) =>
        out.push({ step, mode: 'eval', task: e, name, value: values[m]!, key: `eval/${name}${suffix}` }),
      );
    }
    return out;
  }

  /** After an evaluation: the checkpoints of the lowest and highest values of the metrics the options name. */
  private async saveMetricCheckpoints(): Promise<void> {
    const { checkpointLowMetric: low, checkpointHighMetric: high } = this.options;
    const evalNames = new Set(this.evalTasks.flatMap((e) => e.metricNames));
    for (const name of this.records.bestCheckpointNames(low, high, evalNames)) await this.saveCheckpoint(name);
  }

  private checkpointMeta(): LoopCheckpointMeta {
    return {
      rngKey: [this.rng[0], this.rng[1]],
      data: { train: this.tasks.map((t) => t.labeledData.position), eval: this.evalTasks.map((e) => e.labeledData.position) },
      optimizerSteps: this.trainers.map((t) => t.optimizerSteps),
      optimizers: this.tasks.map((t) => t.optimizer.config),
      accumulators: this.accumulators.map((a) => ({ ...a })),
      history: [...this.records.history.records],
      trainSeconds: this.trainSeconds,
      workers: this.trainers.map((t) => t.workers ?? 1),
    };
  }

  async saveCheckpoint(name?: string): Promise<string> {
    if (this.runDirectory === undefined) throw new Error('Loop.saveCheckpoint: the loop has no outputDir');
    const rolling = name === undefined;
    const contents = { step: this._step, tensors: checkpointTensors(this.model, this.trainers), meta: this.checkpointMeta() };
    const dir = await this.runDirectory.writeCheckpoint(name ?? rollingCheckpointName(this._step), contents, {
      updateLatest: rolling,
      hooks: this.options.checkpointHooks,
    });
    if (rolling) this._lastCheckpoint = { step: this._step, dir };
    return dir;
  }

  /** Restores a checkpoint into this loop, refusing one that does not fit the model (nothing is replaced then). */
  private async restore(dir: string): Promise<void> {
    const contents = await this.runDirectory!.readCheckpoint<LoopCheckpointMeta>(dir);
    restoreCheckpoint(dir, contents, this.model, this.tasks, this.trainers, this.evalTasks);
    const { meta } = contents;
    this.shareWithEvalModel();
    this._step = contents.step;
    this.rng = [meta.rngKey[0], meta.rngKey[1]];
    this.accumulators = meta.accumulators.map((a) => ({ ...a }));
    await this.records.restart(meta.history);
    this.trainSeconds = meta.trainSeconds;
    for (const [i, task] of this.tasks.entries()) await task.labeledData.restore(meta.data.train[i]!);
    for (const [i, evalTask] of this.evalTasks.entries()) await evalTask.labeledData.restore(meta.data.eval[i]!);
    this._lastCheckpoint = { step: this._step, dir };
    const [was, now] = [(meta.workers ?? []).join(','), this.trainers.map((t) => t.workers ?? 1).join(',')];
    const workers = was !== '' && was !== now ? ` (written with ${was} workers, resumed with ${now})` : '';
    this.log(stepLine(this._step, `Restored the checkpoint ${dir}${workers}`));
  }

  dispose(): void {
    for (const t of this.trainers) t.dispose();
    this.trainers = [];
  }
}
