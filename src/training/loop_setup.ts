/**
 * The checks a `Loop` makes before its first step: the model initialised from the first train batch's signature,
 * and every loss and metric layer initialised on the model's output and the labels, naming both shapes when they
 * do not fit. Nothing here trains or writes.
 */
import type { tf } from '../backend/tf.js';
import type { NDArray } from '../data/ndarray.js';
import type { Layer } from '../core/base.js';
import { describeShapes, toList } from '../core/stack.js';
import { disposeTree, treeLeaves } from '../core/tensor_tree.js';
import { namedTensors } from '../core/named_tensors.js';
import type { ShapeDtype } from '../core/types.js';
import type { Key } from '../rng/key.js';
import type { EvalTask, TrainTask } from './tasks.js';

/** The layers and keys the setup works on. */
export interface LoopSetup {
  model: Layer;
  evalModel: Layer;
  tasks: readonly TrainTask[];
  evalTasks: readonly EvalTask[];
  /** The keys of the model's and the eval model's initialisation. */
  initKeys: readonly [Key, Key];
  /** Metrics the loop checkpoints at their lowest and highest (they must exist). */
  checkpointMetrics: ReadonlyArray<string | undefined>;
}

function batchSignature(batch: readonly NDArray[]): ShapeDtype[] {
  if (!Array.isArray(batch) || batch.length === 0) {
    throw new Error('Loop: a batch must be a non-empty array of arrays (inputs..., targets, weights)');
  }
  return batch.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
}

const single = (s: readonly ShapeDtype[]): ShapeDtype | ShapeDtype[] => (s.length === 1 ? s[0]! : [...s]);

/** Initialises a loss or metric layer on the model's output and the labels, naming both when they do not fit. */
function checkEnd(where: string, end: Layer, what: string, modelOutput: readonly ShapeDtype[], labels: readonly ShapeDtype[]): void {
  // As in Trax's Branch of end layers, a layer takes as many items as it needs from the top of the stack.
  const available = [...modelOutput, ...labels];
  const context = `the model's output ${describeShapes(modelOutput)} and the labels ${describeShapes(labels)}`;
  if (available.length < end.nIn) {
    throw new Error(`Loop: ${where}: the ${what} layer ${end.name} takes ${end.nIn} inputs, but ${context} are only ${available.length}`);
  }
  let result;
  try {
    result = end.init(single(available.slice(0, end.nIn)));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Loop: ${where}: ${context} do not fit the ${what} layer ${end.name}: ${reason}`, { cause: error });
  }
  const out = result.outputSignature as ShapeDtype;
  if (Array.isArray(out) || out.shape.length !== 0) {
    throw new Error(`Loop: ${where}: the ${what} layer ${end.name} gives ${describeShapes(out)}, not a scalar, for ${context}`);
  }
}

/**
 * The model's output signature for another task's batches: the first train batch's when their inputs have the
 * same shapes, else inferred from the other inputs (batches of other sizes or lengths), with throwaway weights.
 */
function modelOutputFor(
  model: Layer,
  key: Key,
  first: readonly ShapeDtype[],
  other: readonly ShapeDtype[],
  firstOutput: ShapeDtype[],
): ShapeDtype[] {
  const inputs = other.slice(0, model.nIn);
  if (describeShapes(inputs) === describeShapes(first.slice(0, model.nIn))) return firstOutput;
  const made = model.initialize(single(inputs), key, new Map());
  const live = new Set(treeLeaves(model.weights).concat(treeLeaves(model.state)));
  for (const t of [...treeLeaves(made.weights), ...treeLeaves(made.state)]) if (!live.has(t)) t.dispose();
  return toList<ShapeDtype>(made.outputSignature, model.nOut, 'output');
}

/** Initialises the eval model, checks that its weights are the model's (by path after the root, shape, dtype) and shares them. */
function initEvalModel(model: Layer, evalModel: Layer, signature: readonly ShapeDtype[], key: Key): void {
  evalModel.init(single(signature.slice(0, evalModel.nIn)), { rng: key });
  const describe = (m: Map<string, tf.Tensor>) => [...m].map(([p, t]) => `${p}:${t.dtype}[${t.shape.join(',')}]`).join(' ');
  const strip = (m: Map<string, tf.Tensor>) => new Map([...m].map(([p, t]) => [p.slice(p.indexOf('/')), t] as const));
  const expected = namedTensors(model);
  const got = namedTensors(evalModel);
  disposeTree(evalModel.weights);
  if (describe(strip(expected)) !== describe(strip(got))) {
    throw new Error(
      `Loop: the eval model's weights do not match the model's:\n  model: ${describe(expected)}\n  eval model: ${describe(got)}`,
    );
  }
  evalModel.weights = model.weights;
  evalModel.state = model.state;
}

/**
 * Initialises the model (keeping the weights of an initialised one) from the first train batch, then each train
 * task's loss layer and each eval task's metrics on the model's output for their own batches, and the eval model.
 * Throws, naming the task and the shapes, when anything does not fit.
 */
export async function setUpLoop(o: LoopSetup): Promise<void> {
  const { model, tasks, evalTasks } = o;
  const signature = batchSignature(await tasks[0]!.labeledData.peek());
  if (signature.length < model.nIn) {
    throw new Error(`Loop: the model ${model.name} takes ${model.nIn} inputs, the batches have ${signature.length} arrays`);
  }
  const { outputSignature } = model.init(single(signature.slice(0, model.nIn)), { rng: o.initKeys[0] });
  const modelOutput = toList<ShapeDtype>(outputSignature, model.nOut, 'output');
  if (treeLeaves(model.weights).length === 0) throw new Error(`Loop: the model ${model.name} has no weights to train`);
  for (const [i, task] of tasks.entries()) {
    const taskSignature = i === 0 ? signature : batchSignature(await task.labeledData.peek());
    const taskOutput = i === 0 ? modelOutput : modelOutputFor(model, o.initKeys[0], signature, taskSignature, modelOutput);
    checkEnd(`TrainTask ${i}`, task.lossLayer, 'loss', taskOutput, taskSignature.slice(model.nIn));
  }
  for (const [i, evalTask] of evalTasks.entries()) {
    const evalSignature = batchSignature(await evalTask.labeledData.peek());
    const evalOutput = modelOutputFor(model, o.initKeys[0], signature, evalSignature, modelOutput);
    evalTask.metrics.forEach((metric, m) =>
      checkEnd(`EvalTask ${i}`, metric, `metric ${evalTask.metricNames[m]}`, evalOutput, evalSignature.slice(model.nIn)),
    );
  }
  if (o.evalModel !== model) initEvalModel(model, o.evalModel, signature, o.initKeys[1]);
  for (const metric of o.checkpointMetrics) {
    if (metric !== undefined && !evalTasks.some((e) => e.metricNames.includes(metric)) && !tasks.some((t) => t.lossName === metric)) {
      throw new Error(`Loop: no eval metric or train loss is named '${metric}' (checkpointLowMetric / checkpointHighMetric)`);
    }
  }
}
