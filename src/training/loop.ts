/**
 * The training loop (Trax's `trax.supervised.training.Loop`): trains a model on one or more train tasks, runs
 * eval tasks, logs in Trax's format, records metrics, draws the training chart, and checkpoints everything
 * needed to resume exactly.
 */
import { nonTrainableWeights } from '../layers/non_trainable.js';
import { readyBackend } from '../backend/backends.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend/tf.js';
import { batchToTensors } from '../data/to_tensors.js';
import type { NDArray } from '../data/ndarray.js';
import type { Layer } from '../layers/base.js';
import { describeShapes, toList } from '../layers/stack.js';
import { disposeTree, namedTensors, treeFromNamed, treeLeaves } from '../layers/tensor_tree.js';
import type { ShapeDtype, Signature } from '../layers/types.js';
import { averagedWeights, disposeReplaced, type SlotTree } from '../optimizers/optimizer.js';
import { type Key, makeKey, splitKey } from '../rng/key.js';
import { type AtStep, atStep1AndEvery, never } from './at_steps.js';
import { makeDirectory, writeFileAtomic } from './atomic_fs.js';
import type { StepEvent, TrainingCallback } from './callbacks.js';
import { trainingChartSvg } from './chart.js';
import {
  CheckpointError,
  type CheckpointTensors,
  type CheckpointWriteHooks,
  checkFits,
  latestCheckpoint,
  readCheckpoint,
  removeStaleTemporaries,
  rollingCheckpointName,
  writeCheckpoint,
} from './checkpoint.js';
import { lossWeightsPrefix } from './checkpoint_weights.js';
import { evaluateBatch } from './evaluate.js';
import { History, type MetricRecord } from './history.js';
import { namedSlots, slotsFromNamed } from './named_slots.js';
import { ProgressLine } from './progress.js';
import { type Logger, metricLine, stepLine } from './step_log.js';
import type { EvalTask, TrainTask } from './tasks.js';
import { NonFiniteError, trainStep } from './train_step.js';

/** Options of {@link Loop}. @public */
export interface LoopOptions {
  /** The model evaluations run (with dropout off, say); it gets the trained weights. Default: the model, in mode `eval` while evaluating. */
  evalModel?: Layer;
  /** Eval tasks, run at `evalAt` steps. */
  evalTasks?: EvalTask | readonly EvalTask[];
  /** Where checkpoints, `metrics.jsonl` and `training.svg` go. A directory holding a checkpoint is resumed from. */
  outputDir?: string;
  /** Steps at which to log training metrics and run the eval tasks (default: step 1 and every `nStepsPerCheckpoint`). */
  evalAt?: AtStep;
  /** Steps at which to write the rolling checkpoint (default: step 1 and every `nStepsPerCheckpoint`). */
  checkpointAt?: AtStep;
  /** Steps at which to write a permanent checkpoint `model_<step>` (default: every `nStepsPerPermanentCheckpoint`, if set). */
  permanentCheckpointAt?: AtStep;
  /** After an evaluation where this metric is the lowest so far, write the checkpoint `lowest_<metric>`. */
  checkpointLowMetric?: string;
  /** After an evaluation where this metric is the highest so far, write the checkpoint `highest_<metric>`. */
  checkpointHighMetric?: string;
  /** Hooks called at each step and evaluation; one may stop the run. */
  callbacks?: readonly TrainingCallback[];
  /** The seed of every random draw: weight initialisation and the per-step keys (default 0). */
  seed?: number;
  /** Which train task runs at a step (default: `step % tasks.length`). */
  whichTask?: (step: number) => number;
  /** Receives the log lines (default: `console.log`). */
  logger?: Logger;
  /** Draw the live progress line (steps/s, ETA, loss) when stdout is a terminal (default true). */
  progress?: boolean;
  /** Rewrite `training.svg` at each evaluation (default true when there is an output directory). */
  chart?: boolean;
  /** Crash simulation for tests of checkpoint writing. */
  checkpointHooks?: CheckpointWriteHooks;
}

/**
 * One train task's running sums since the last evaluation, which the loop averages into the logged `train` metrics
 * and saves in checkpoints so that a resumed run logs the same averages. @public
 */
export interface TrainingAccumulator {
  /** Train steps of this task since the last evaluation. */
  steps: number;
  /** Sum of the step losses. */
  loss: number;
  /** Sum of the global L2 norms of the gradients (before any clipping). */
  gradientsL2: number;
  /** Sum of the global L2 norms of the weights each step started from. */
  weightsL2: number;
}

/** The loop's part of a checkpoint, beside the tensors. @public */
export interface LoopCheckpointMeta {
  /** The loop's random key, from which the next steps' keys are split. */
  rngKey: [number, number];
  /**
   * The position of each train and eval task's data stream, so that a resumed run continues with the same batches.
   */
  data: { train: number[]; eval: number[] };
  /** The number of updates each train task's optimizer has made (the `step` Adam's bias correction counts). */
  optimizerSteps: number[];
  /** Each train task's optimizer configuration ({@link Optimizer.config}). */
  optimizers: Array<Record<string, unknown>>;
  /** Each train task's running sums since the last evaluation. */
  accumulators: TrainingAccumulator[];
  /** Every metric value recorded so far. */
  history: MetricRecord[];
  /** The seconds spent in training steps so far, those of the runs it was resumed from included. */
  trainSeconds: number;
}

const freshAccumulator = (): TrainingAccumulator => ({ steps: 0, loss: 0, gradientsL2: 0, weightsL2: 0 });

function describeSignature(s: Signature | readonly ShapeDtype[]): string {
  return describeShapes(s);
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

/**
 * Builds a training loop: initialises the model from the first training batch's signature (with keys from
 * `seed`), checks that the model's output fits each task's loss and metrics (else fails naming both shapes),
 * makes the optimizer slots, and, when `outputDir` holds a checkpoint, restores it (weights, slots, step, RNG
 * key, data positions, metric history): a loop that resumes continues exactly as if never interrupted.
 *
 * @example
 * ```ts
 * const loop = await Loop(model, trainTask, { evalTasks: [evalTask], outputDir: 'runs/tagger', seed: 1 });
 * await loop.run(1000);
 * ```
 * @public
 */
export async function Loop(model: Layer, tasks: TrainTask | readonly TrainTask[], options: LoopOptions = {}): Promise<TrainingLoop> {
  await readyBackend();
  const loop = new TrainingLoop(model, Array.isArray(tasks) ? tasks : [tasks as TrainTask], options);
  try {
    await loop.initialize();
  } catch (error) {
    loop.dispose();
    throw error;
  }
  return loop;
}

/** Resolves after the event loop has run what is pending (Node: `setImmediate`; browsers: a zero timeout). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * A training loop; made with {@link Loop}. `await loop.run(n)` runs `n` more steps.
 * @public
 */
export class TrainingLoop {
  /** The model being trained; its weights are the trained weights. */
  readonly model: Layer;
  /** The train tasks; a step runs one of them (by default `step % tasks.length`). */
  readonly tasks: readonly TrainTask[];
  /** The eval tasks, run at the evaluation steps. */
  readonly evalTasks: readonly EvalTask[];
  /** The model evaluations run, with the trained weights (the model itself unless `evalModel` was given). */
  readonly evalModel: Layer;
  /** Where checkpoints, `metrics.jsonl` and `training.svg` are written; `undefined`: nothing is written. */
  readonly outputDir: string | undefined;
  private readonly options: LoopOptions;
  private readonly logger: Logger;
  private readonly evalAt: AtStep;
  private readonly checkpointAt: AtStep;
  private readonly permanentCheckpointAt: AtStep;
  private readonly whichTask: (step: number) => number;
  private _step = 0;
  private rng: Key;
  private readonly initKeys: [Key, Key];
  private slots: SlotTree[] = [];
  /** Slots of each train task's loss layer, when it has weights of its own (trained with the model, as in Trax). */
  private lossSlots: Array<SlotTree | undefined> = [];
  private optimizerSteps: number[];
  private accumulators: TrainingAccumulator[];
  private _history = new History();
  private recordsWritten = 0;
  private stopRequested = false;
  private trainSeconds = 0;
  private sinceEvalSeconds = 0;
  private readonly nameWidth: number;
  private progress: ProgressLine | undefined;
  private _lastCheckpoint: { step: number; dir: string } | undefined;
  private chartFailed = false;

  /** Use {@link Loop}, which also initialises (and possibly restores) the loop. */
  constructor(model: Layer, tasks: readonly TrainTask[], options: LoopOptions) {
    if (tasks.length === 0) throw new Error('Loop: needs at least one TrainTask');
    this.model = model;
    this.tasks = [...tasks];
    const evalTasks = options.evalTasks;
    this.evalTasks = evalTasks === undefined ? [] : Array.isArray(evalTasks) ? [...evalTasks] : [evalTasks as EvalTask];
    this.evalModel = options.evalModel ?? model;
    this.outputDir = options.outputDir;
    this.options = options;
    this.logger = options.logger ?? ((line) => console.log(line));
    const defaultAt = atStep1AndEvery(tasks[0]!.nStepsPerCheckpoint);
    this.evalAt = options.evalAt ?? defaultAt;
    this.checkpointAt = options.checkpointAt ?? defaultAt;
    const permanent = tasks[0]!.nStepsPerPermanentCheckpoint;
    this.permanentCheckpointAt = options.permanentCheckpointAt ?? (permanent ? (step) => step % permanent === 0 : never);
    this.whichTask = options.whichTask ?? ((step) => step % this.tasks.length);
    const [initKey, evalInitKey, rng] = splitKey(makeKey(options.seed ?? 0), 3) as [Key, Key, Key];
    this.initKeys = [initKey, evalInitKey];
    this.rng = rng;
    this.optimizerSteps = this.tasks.map(() => 0);
    this.accumulators = this.tasks.map(freshAccumulator);
    const names = [...this.tasks.map((t) => t.lossName), ...this.evalTasks.flatMap((e) => e.metricNames)];
    this.nameWidth = Math.max(...names.map((n) => n.length));
  }

  /** The number of steps run so far (restored from a checkpoint). */
  get step(): number {
    return this._step;
  }

  /** Every value recorded so far. */
  get history(): History {
    return this._history;
  }

  /** The step and directory of the last checkpoint written or restored. */
  get lastCheckpoint(): { step: number; dir: string } | undefined {
    return this._lastCheckpoint;
  }

  /** The optimizer slots of a train task (same layout as the weights, a dict of slots per weight). */
  slotsOf(task = 0): SlotTree {
    return this.slots[task]!;
  }

  /** The optimizer slots of a train task's loss layer (undefined when the loss layer has no weights). */
  lossSlotsOf(task = 0): SlotTree | undefined {
    return this.lossSlots[task];
  }

  /**
   * Runs `f` with the model (and each train task's loss layer) holding the moving averages of their weights kept by
   * an optimizer made with `averageDecay`, then puts the trained weights back. Evaluations and checkpoints made
   * inside `f` (a "best model" checkpoint, say) see the averages.
   */
  async withAveragedWeights<T>(f: () => T | Promise<T>, task = 0): Promise<T> {
    const weights = this.model.weights;
    const averaged = averagedWeights(weights, this.slots[task]!);
    const lossLayers = this.tasks.map((t, i) => ({ layer: t.lossLayer, weights: t.lossLayer.weights, slots: this.lossSlots[i] }));
    const lossAverages = lossLayers.map((l) => (l.slots ? averagedWeights(l.weights, l.slots) : l.weights));
    const evalWeights = this.evalModel.weights;
    this.model.weights = averaged;
    if (this.evalModel !== this.model) this.evalModel.weights = averaged;
    lossLayers.forEach((l, i) => (l.layer.weights = lossAverages[i]!));
    try {
      return await f();
    } finally {
      this.model.weights = weights;
      if (this.evalModel !== this.model) this.evalModel.weights = evalWeights;
      lossLayers.forEach((l) => (l.layer.weights = l.weights));
    }
  }

  /** Ends the current run after the step being run. */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** @internal Initialisation; called by {@link Loop}. */
  async initialize(): Promise<void> {
    const sample = await this.tasks[0]!.labeledData.peek();
    const signature = this.batchSignature(sample);
    if (signature.length < this.model.nIn) {
      throw new Error(`Loop: the model ${this.model.name} takes ${this.model.nIn} inputs, the batches have ${signature.length} arrays`);
    }
    const modelInputs = signature.slice(0, this.model.nIn);
    const { outputSignature } = this.model.init(modelInputs.length === 1 ? modelInputs[0]! : modelInputs, { rng: this.initKeys[0] });
    const modelOutput = toList<ShapeDtype>(outputSignature, this.model.nOut, 'output');
    if (treeLeaves(this.model.weights).length === 0) throw new Error(`Loop: the model ${this.model.name} has no weights to train`);

    for (const [i, task] of this.tasks.entries()) {
      const taskSignature = i === 0 ? signature : this.batchSignature(await task.labeledData.peek());
      const taskOutput = i === 0 ? modelOutput : this.modelOutputFor(signature, taskSignature, modelOutput);
      this.checkEnd(`TrainTask ${i}`, task.lossLayer, 'loss', taskOutput, taskSignature.slice(this.model.nIn));
      this.slots.push(task.optimizer.treeInit(this.model.weights));
      const lossWeights = task.lossLayer.weights;
      this.lossSlots.push(treeLeaves(lossWeights).length > 0 ? task.optimizer.treeInit(lossWeights) : undefined);
    }
    for (const [i, evalTask] of this.evalTasks.entries()) {
      const evalSignature = this.batchSignature(await evalTask.labeledData.peek());
      const evalOutput = this.modelOutputFor(signature, evalSignature, modelOutput);
      evalTask.metrics.forEach((metric, m) =>
        this.checkEnd(`EvalTask ${i}`, metric, `metric ${evalTask.metricNames[m]}`, evalOutput, evalSignature.slice(this.model.nIn)),
      );
    }
    if (this.evalModel !== this.model) this.initEvalModel(signature);
    for (const metric of [this.options.checkpointLowMetric, this.options.checkpointHighMetric]) {
      if (
        metric !== undefined &&
        !this.evalTasks.some((e) => e.metricNames.includes(metric)) &&
        !this.tasks.some((t) => t.lossName === metric)
      ) {
        throw new Error(`Loop: no eval metric or train loss is named '${metric}' (checkpointLowMetric / checkpointHighMetric)`);
      }
    }

    if (this.outputDir !== undefined) {
      await makeDirectory(this.outputDir);
      await removeStaleTemporaries(this.outputDir);
      const latest = await latestCheckpoint(this.outputDir);
      if (latest) await this.restore(latest);
      await this.rewriteMetricsFile();
    }
  }

  /**
   * The model's output signature for another task's batches: the first train batch's when their inputs have the
   * same shapes, else inferred from the other inputs (batches of other sizes or lengths), with throwaway weights.
   */
  private modelOutputFor(first: readonly ShapeDtype[], other: readonly ShapeDtype[], firstOutput: ShapeDtype[]): ShapeDtype[] {
    const inputs = other.slice(0, this.model.nIn);
    if (describeSignature(inputs) === describeSignature(first.slice(0, this.model.nIn))) return firstOutput;
    const made = this.model.initialize(inputs.length === 1 ? inputs[0]! : inputs, this.initKeys[0], new Map());
    const live = new Set(treeLeaves(this.model.weights).concat(treeLeaves(this.model.state)));
    for (const t of [...treeLeaves(made.weights), ...treeLeaves(made.state)]) if (!live.has(t)) t.dispose();
    return toList<ShapeDtype>(made.outputSignature, this.model.nOut, 'output');
  }

  private batchSignature(batch: readonly NDArray[]): ShapeDtype[] {
    if (!Array.isArray(batch) || batch.length === 0)
      throw new Error('Loop: a batch must be a non-empty array of arrays (inputs..., targets, weights)');
    return batch.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
  }

  /** Initialises a loss or metric layer on the model's output and the labels, naming both when they do not fit. */
  private checkEnd(where: string, end: Layer, what: string, modelOutput: readonly ShapeDtype[], labels: readonly ShapeDtype[]): void {
    // As in Trax's Branch of end layers, a layer takes as many items as it needs from the top of the stack.
    const available = [...modelOutput, ...labels];
    const context = `the model's output ${describeSignature(modelOutput)} and the labels ${describeSignature(labels)}`;
    if (available.length < end.nIn) {
      throw new Error(`Loop: ${where}: the ${what} layer ${end.name} takes ${end.nIn} inputs, but ${context} are only ${available.length}`);
    }
    const inputs = available.slice(0, end.nIn);
    let result;
    try {
      result = end.init(inputs.length === 1 ? inputs[0]! : inputs);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Loop: ${where}: ${context} do not fit the ${what} layer ${end.name}: ${reason}`, { cause: error });
    }
    const out = result.outputSignature as ShapeDtype;
    if (Array.isArray(out) || out.shape.length !== 0) {
      throw new Error(`Loop: ${where}: the ${what} layer ${end.name} gives ${describeSignature(out)}, not a scalar, for ${context}`);
    }
  }

  private initEvalModel(signature: readonly ShapeDtype[]): void {
    const inputs = signature.slice(0, this.evalModel.nIn);
    this.evalModel.init(inputs.length === 1 ? inputs[0]! : inputs, { rng: this.initKeys[1] });
    const expected = namedTensors(this.model);
    const got = namedTensors(this.evalModel);
    const describe = (m: Map<string, tf.Tensor>) => [...m].map(([p, t]) => `${p}:${t.dtype}[${t.shape.join(',')}]`).join(' ');
    const strip = (m: Map<string, tf.Tensor>) => new Map([...m].map(([p, t]) => [p.slice(p.indexOf('/')), t] as const));
    if (describe(strip(expected)) !== describe(strip(got))) {
      disposeTree(this.evalModel.weights);
      throw new Error(
        `Loop: the eval model's weights do not match the model's:\n  model: ${describe(expected)}\n  eval model: ${describe(got)}`,
      );
    }
    disposeTree(this.evalModel.weights);
    this.evalModel.weights = this.model.weights;
    this.evalModel.state = this.model.state;
  }

  /**
   * Runs `nSteps` more training steps, with the evaluations, logs and checkpoints their steps call for. Throws
   * (naming the step) when a loss or gradient is not finite; the weights and the last checkpoint are then those
   * of the step before.
   */
  async run(nSteps: number): Promise<void> {
    if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`Loop.run: nSteps must be a non-negative integer, got ${nSteps}`);
    this.stopRequested = false;
    this.progress = ProgressLine.create(this.options.progress ?? true);
    this.progress.start(nSteps, this._step + 1);
    try {
      for (let i = 0; i < nSteps && !this.stopRequested; i++) {
        const loss = await this.runOneStep();
        this.progress.tick(i + 1, this._step, loss);
      }
    } finally {
      this.progress.stop();
      this.progress = undefined;
    }
  }

  private log(line: string): void {
    // A logger of the caller's always gets the line; the default one prints above the progress line.
    if (this.progress && this.options.logger === undefined) this.progress.log(line, this.logger);
    else this.logger(line);
  }

  private event(step: number): StepEvent {
    return { step, loop: this, stop: () => this.requestStop() };
  }

  /** Runs one step (with its evaluations and checkpoints) and returns its loss. */
  private async runOneStep(): Promise<number> {
    const step = this._step + 1;
    const t = this.whichTask(step);
    const task = this.tasks[t];
    if (!task) throw new Error(`Loop: whichTask(${step}) gave ${t}, but there are ${this.tasks.length} train tasks`);
    for (const cb of this.options.callbacks ?? []) await cb.onStepBegin?.(this.event(step));

    const started = performance.now();
    const arrays = await task.labeledData.next();
    const learningRate = task.learningRate(step);
    const [nextRng, stepRng] = splitKey(this.rng, 2) as [Key, Key];
    const batch = batchToTensors(arrays);
    const weights = this.model.weights;
    const state = this.model.state;
    let result;
    try {
      result = trainStep(
        { model: this.model, lossLayer: task.lossLayer, optimizer: task.optimizer },
        batch,
        weights,
        state,
        this.slots[t]!,
        stepRng,
        step,
        this.optimizerSteps[t]!,
        learningRate,
        this.lossSlots[t],
      );
    } catch (error) {
      if (error instanceof NonFiniteError) {
        const last = this._lastCheckpoint
          ? `the last checkpoint (step ${this._lastCheckpoint.step}) is intact`
          : 'no checkpoint was written';
        const reason = `${error.reason}; ${last}.`;
        this.log(stepLine(step, reason));
        throw new NonFiniteError(error.step, error.what, error.value, reason);
      }
      throw error;
    } finally {
      tf.dispose(batch);
    }
    this.model.weights = result.weights;
    this.model.state = result.state;
    disposeReplaced(weights, result.weights);
    disposeReplaced(state, result.state);
    disposeReplaced(this.slots[t]!, result.slots);
    this.slots[t] = result.slots;
    const oldLossSlots = this.lossSlots[t];
    if (oldLossSlots !== undefined && result.lossSlots !== undefined) {
      const oldLossWeights = task.lossLayer.weights;
      task.lossLayer.weights = result.lossWeights;
      disposeReplaced(oldLossWeights, result.lossWeights);
      disposeReplaced(oldLossSlots, result.lossSlots);
      this.lossSlots[t] = result.lossSlots;
    }
    if (this.evalModel !== this.model) {
      this.evalModel.weights = result.weights;
      this.evalModel.state = result.state;
    }
    this.optimizerSteps[t]!++;
    this.rng = nextRng;
    this._step = step;
    const seconds = (performance.now() - started) / 1000;
    this.trainSeconds += seconds;
    this.sinceEvalSeconds += seconds;
    const acc = this.accumulators[t]!;
    acc.steps++;
    acc.loss += result.loss;
    acc.gradientsL2 += result.gradientsL2;
    acc.weightsL2 += result.weightsL2;

    // Let pending events run (a Ctrl-C handler, messages, timers): a step is otherwise all synchronous work and
    // microtasks, so a stop requested from outside would only be seen at the next checkpoint's file I/O.
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

    let evaluated = false;
    if (this.evalAt(step)) {
      await this.logAndEvaluate(step);
      evaluated = true;
    }
    if (this.outputDir !== undefined) {
      if (this.checkpointAt(step)) await this.saveCheckpoint();
      if (this.permanentCheckpointAt(step)) await this.saveCheckpoint(`model_${step}`);
      if (evaluated) await this.saveMetricCheckpoints();
    }
    return result.loss;
  }

  private record(records: MetricRecord[], metrics: Record<string, number>, r: MetricRecord, key?: string): void {
    this._history.add(r);
    records.push(r);
    if (key) metrics[key] = r.value;
  }

  /** Logs the training metrics since the last evaluation, runs the eval tasks, records and draws everything. */
  private async logAndEvaluate(step: number): Promise<void> {
    const records: MetricRecord[] = [];
    const metrics: Record<string, number> = {};
    if (step === 1) {
      const frozen = new Set(nonTrainableWeights(this.model));
      const total = treeLeaves(this.model.weights)
        .filter((t) => !frozen.has(t))
        .reduce((n, t) => n + t.size, 0);
      const fixed = [...frozen].reduce((n, t) => n + t.size, 0);
      this.log(stepLine(step, `Total number of trainable weights: ${total}${fixed > 0 ? ` (and ${fixed} non-trainable)` : ''}`));
    }
    const ran = this.accumulators.reduce((n, a) => n + a.steps, 0);
    this.log(stepLine(step, `Ran ${ran} train steps in ${this.sinceEvalSeconds.toFixed(2)} secs`));
    this.sinceEvalSeconds = 0;
    for (const [i, task] of this.tasks.entries()) {
      const acc = this.accumulators[i]!;
      if (acc.steps === 0) continue;
      const suffix = this.tasks.length > 1 ? `/${i}` : '';
      const loss = acc.loss / acc.steps;
      this.log(stepLine(step, metricLine('train', task.lossName, loss, this.nameWidth)));
      this.record(records, metrics, { step, mode: 'train', task: i, name: task.lossName, value: loss }, `train/${task.lossName}${suffix}`);
      this.record(records, metrics, { step, mode: 'train', task: i, name: 'learning_rate', value: task.learningRate(step) });
      this.record(records, metrics, { step, mode: 'train', task: i, name: 'gradients_l2', value: acc.gradientsL2 / acc.steps });
      this.record(records, metrics, { step, mode: 'train', task: i, name: 'weights_l2', value: acc.weightsL2 / acc.steps });
      this.accumulators[i] = freshAccumulator();
    }
    for (const [e, evalTask] of this.evalTasks.entries()) {
      const values = await this.runEvalTask(evalTask);
      const suffix = this.evalTasks.length > 1 ? `/${e}` : '';
      evalTask.metricNames.forEach((name, m) => {
        this.log(stepLine(step, metricLine('eval', name, values[m]!, this.nameWidth)));
        this.record(records, metrics, { step, mode: 'eval', task: e, name, value: values[m]! }, `eval/${name}${suffix}`);
      });
    }
    await this.appendMetrics();
    if (this.outputDir !== undefined && (this.options.chart ?? true)) await this.drawChart();
    for (const cb of this.options.callbacks ?? []) {
      const verdict = await cb.onEvaluation?.({ ...this.event(step), metrics });
      if (verdict === 'stop') this.requestStop();
    }
  }

  /** The mean of each metric of an eval task over its `nEvalBatches` batches. */
  private async runEvalTask(evalTask: EvalTask): Promise<number[]> {
    const sums = evalTask.metrics.map(() => 0);
    const switchMode = this.evalModel === this.model && this.model.mode !== 'eval';
    const previousMode = this.model.mode;
    if (switchMode) this.model.mode = 'eval';
    try {
      for (let b = 0; b < evalTask.nEvalBatches; b++) {
        const arrays = await evalTask.labeledData.next();
        const [nextRng, rng] = splitKey(this.rng, 2) as [Key, Key];
        this.rng = nextRng;
        const batch = batchToTensors(arrays);
        try {
          const values = evaluateBatch(this.evalModel, evalTask.metrics, batch, this.model.weights, this.model.state, rng);
          values.forEach((v, m) => (sums[m]! += v));
        } finally {
          tf.dispose(batch);
        }
      }
    } finally {
      if (switchMode) this.model.mode = previousMode;
    }
    return sums.map((s) => s / evalTask.nEvalBatches);
  }

  /** Runs the eval tasks now (without recording them) and returns their metrics by name. */
  async runEvals(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [e, evalTask] of this.evalTasks.entries()) {
      const values = await this.runEvalTask(evalTask);
      const suffix = this.evalTasks.length > 1 ? `/${e}` : '';
      evalTask.metricNames.forEach((name, m) => (out[`${name}${suffix}`] = values[m]!));
    }
    return out;
  }

  private metricsFile(): string {
    return path.join(this.outputDir!, 'metrics.jsonl');
  }

  private async rewriteMetricsFile(): Promise<void> {
    const lines = this._history.records.map((r) => JSON.stringify(r) + '\n').join('');
    await writeFileAtomic(this.metricsFile(), lines);
    this.recordsWritten = this._history.records.length;
  }

  private async appendMetrics(): Promise<void> {
    if (this.outputDir === undefined) return;
    const fresh = this._history.records.slice(this.recordsWritten);
    if (fresh.length > 0) await fs.appendFile(this.metricsFile(), fresh.map((r) => JSON.stringify(r) + '\n').join(''));
    this.recordsWritten = this._history.records.length;
  }

  /** Redraws training.svg; a failure to draw is logged once and does not stop training. */
  private async drawChart(): Promise<void> {
    if (this.chartFailed) return;
    const shown = new Set([...this.tasks.map((t) => t.lossName), ...this.evalTasks.flatMap((e) => e.metricNames)]);
    try {
      const svg = trainingChartSvg(this._history.records, shown, `${this.model.name}: training`);
      await writeFileAtomic(path.join(this.outputDir!, 'training.svg'), svg);
    } catch (error) {
      this.chartFailed = true;
      this.log(stepLine(this._step, `The training chart could not be drawn (${(error as Error).message}); training goes on without it`));
    }
  }

  private async saveMetricCheckpoints(): Promise<void> {
    const check = async (metric: string | undefined, prefix: string, better: (a: number, b: number) => boolean): Promise<void> => {
      if (metric === undefined) return;
      const isEval = this.evalTasks.some((e) => e.metricNames.includes(metric));
      const values = this._history.get(isEval ? 'eval' : 'train', metric).map(([, v]) => v);
      const last = values[values.length - 1];
      if (last === undefined || values.some((v) => better(v, last))) return;
      await this.saveCheckpoint(`${prefix}_${safeName(metric)}`);
    };
    await check(this.options.checkpointLowMetric, 'lowest', (a, b) => a < b);
    await check(this.options.checkpointHighMetric, 'highest', (a, b) => a > b);
  }

  /** The tensors of a checkpoint, by path. */
  private checkpointTensors(): CheckpointTensors {
    const slots = new Map<string, tf.Tensor>();
    this.tasks.forEach((_, i) => {
      for (const [p, t] of namedSlots(this.model, this.model.weights, this.slots[i]!, String(i))) slots.set(p, t);
    });
    const weights = namedTensors(this.model);
    for (const [p, t] of this.lossTensors()) weights.set(p, t);
    for (const [p, t] of this.lossSlotTensors()) slots.set(p, t);
    return { weights, state: namedTensors(this.model, this.model.state), slots };
  }

  /**
   * The weights of the train tasks' loss layers that have any, by path: `loss/<task>/<layer path>`, such as
   * `loss/0/CrfLoss_17/transitions` (none for weightless losses, so such checkpoints are unchanged).
   */
  private lossTensors(): Map<string, tf.Tensor> {
    const named = new Map<string, tf.Tensor>();
    this.tasks.forEach((task, i) => {
      if (this.lossSlots[i] === undefined) return;
      for (const [p, t] of namedTensors(task.lossLayer)) named.set(lossWeightsPrefix(i) + p, t);
    });
    return named;
  }

  /** The optimizer slots of the loss layers' weights, by path: `<task>/loss/<layer path>/<slot>`. */
  private lossSlotTensors(): Map<string, tf.Tensor> {
    const named = new Map<string, tf.Tensor>();
    this.tasks.forEach((task, i) => {
      const slots = this.lossSlots[i];
      if (slots === undefined) return;
      for (const [p, t] of namedSlots(task.lossLayer, task.lossLayer.weights, slots, `${i}/loss`)) named.set(p, t);
    });
    return named;
  }

  private checkpointMeta(): LoopCheckpointMeta {
    return {
      rngKey: [this.rng[0], this.rng[1]],
      data: { train: this.tasks.map((t) => t.labeledData.position), eval: this.evalTasks.map((e) => e.labeledData.position) },
      optimizerSteps: [...this.optimizerSteps],
      optimizers: this.tasks.map((t) => t.optimizer.config),
      accumulators: this.accumulators.map((a) => ({ ...a })),
      history: [...this._history.records],
      trainSeconds: this.trainSeconds,
    };
  }

  /**
   * Writes a checkpoint of everything needed to resume: weights, state and optimizer slots by path, the step,
   * the RNG key, the data positions, the accumulators and the metric history. Without a name, it is the rolling
   * checkpoint that `latest` points to; a named one (`model_100`) is kept apart.
   */
  async saveCheckpoint(name?: string): Promise<string> {
    if (this.outputDir === undefined) throw new Error('Loop.saveCheckpoint: the loop has no outputDir');
    const rolling = name === undefined;
    const dir = await writeCheckpoint(
      this.outputDir,
      name ?? rollingCheckpointName(this._step),
      { step: this._step, tensors: this.checkpointTensors(), meta: this.checkpointMeta() },
      { updateLatest: rolling, hooks: this.options.checkpointHooks },
    );
    if (rolling) this._lastCheckpoint = { step: this._step, dir };
    return dir;
  }

  /** Restores a checkpoint directory into this loop, refusing one that does not fit the model. */
  private async restore(dir: string): Promise<void> {
    const contents = await readCheckpoint<LoopCheckpointMeta>(dir);
    const { tensors, meta } = contents;
    const used = new Set<tf.Tensor>();
    try {
      const weights = this.model.weights;
      const expectedWeights = namedTensors(this.model, weights);
      const lossTensors = this.lossTensors();
      for (const [p, t] of lossTensors) expectedWeights.set(p, t);
      checkFits(dir, 'weight', tensors.weights, expectedWeights);
      checkFits(dir, 'state', tensors.state, namedTensors(this.model, this.model.state));
      const expectedSlots = new Map<string, tf.Tensor>();
      this.tasks.forEach((_, i) => {
        for (const [p, t] of namedSlots(this.model, weights, this.slots[i]!, String(i))) expectedSlots.set(p, t);
      });
      const lossSlotTensors = this.lossSlotTensors();
      for (const [p, t] of lossSlotTensors) expectedSlots.set(p, t);
      checkFits(dir, 'optimizer slot', tensors.slots, expectedSlots);
      if (
        !meta ||
        !Array.isArray(meta.data?.train) ||
        meta.data.train.length !== this.tasks.length ||
        meta.data.eval.length !== this.evalTasks.length
      ) {
        throw new CheckpointError(`checkpoint ${dir} was written by a loop with other tasks (or has no loop metadata)`);
      }
      meta.optimizers.forEach((config, i) => {
        const mine = this.tasks[i]!.optimizer.name;
        if (config['type'] !== mine)
          throw new CheckpointError(
            `checkpoint ${dir}: train task ${i} used the optimizer ${String(config['type'])}, this loop has ${mine}`,
          );
      });

      const lookup = (map: Map<string, tf.Tensor>) => (p: string) => {
        const t = map.get(p)!;
        used.add(t);
        return t;
      };
      const newWeights = treeFromNamed(this.model, weights, lookup(tensors.weights));
      const state = this.model.state;
      const newState = treeFromNamed(this.model, state, lookup(tensors.state));
      const newSlots = this.tasks.map((_, i) => slotsFromNamed(this.model, weights, this.slots[i]!, tensors.slots, String(i)));
      for (const s of newSlots) for (const t of treeLeaves(s)) used.add(t);
      const newLoss = this.tasks.map((task, i) => {
        const slots = this.lossSlots[i];
        if (slots === undefined) return undefined;
        const lossWeights = task.lossLayer.weights;
        const prefix = lossWeightsPrefix(i);
        return {
          weights: treeFromNamed(task.lossLayer, lossWeights, (p) => lookup(tensors.weights)(prefix + p)),
          slots: slotsFromNamed(task.lossLayer, lossWeights, slots, tensors.slots, `${i}/loss`),
        };
      });
      for (const l of newLoss) if (l) for (const t of treeLeaves(l.slots)) used.add(t);

      this.model.weights = newWeights;
      this.model.state = newState;
      disposeReplaced(weights, newWeights);
      disposeReplaced(state, newState);
      this.slots.forEach((old, i) => disposeReplaced(old, newSlots[i]!));
      this.slots = newSlots;
      newLoss.forEach((l, i) => {
        if (!l) return;
        const task = this.tasks[i]!;
        const oldWeights = task.lossLayer.weights;
        task.lossLayer.weights = l.weights;
        disposeReplaced(oldWeights, l.weights);
        disposeReplaced(this.lossSlots[i]!, l.slots);
        this.lossSlots[i] = l.slots;
      });
      if (this.evalModel !== this.model) {
        this.evalModel.weights = newWeights;
        this.evalModel.state = newState;
      }
    } catch (error) {
      for (const group of Object.values(tensors)) tf.dispose([...group.values()].filter((t) => !used.has(t)));
      throw error;
    }
    this._step = contents.step;
    this.rng = [meta.rngKey[0], meta.rngKey[1]];
    this.optimizerSteps = [...meta.optimizerSteps];
    this.accumulators = meta.accumulators.map((a) => ({ ...a }));
    this._history = new History(meta.history);
    this.trainSeconds = meta.trainSeconds;
    for (const [i, task] of this.tasks.entries()) await task.labeledData.restore(meta.data.train[i]!);
    for (const [i, evalTask] of this.evalTasks.entries()) await evalTask.labeledData.restore(meta.data.eval[i]!);
    this._lastCheckpoint = { step: this._step, dir };
    this.log(stepLine(this._step, `Restored the checkpoint ${dir}`));
  }

  /** Frees the optimizer slots (the model and the loss layers keep their weights). */
  dispose(): void {
    for (const s of this.slots) disposeTree(s);
    for (const s of this.lossSlots) if (s) disposeTree(s);
    this.slots = [];
    this.lossSlots = [];
  }
}
