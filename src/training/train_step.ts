/**
 * One training step: the model's pure function composed with the loss layer, differentiated with respect to
 * the model's weight leaves, then one optimizer update.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../layers/base.js';
import { fromList, toList } from '../layers/stack.js';
import { flattenTree, mapTree, treeLeaves } from '../layers/tensor_tree.js';
import { nonTrainableWeights } from '../layers/non_trainable.js';
import type { State, Tensor, Weights } from '../layers/types.js';
import type { SlotTree, Optimizer, TreeUpdate } from '../optimizers/optimizer.js';
import { type Key, splitKey } from '../rng/key.js';

/** The model and loss of a training task, wired as Trax's `Serial(model, loss)`. */
export interface ModelWithLoss {
  model: Layer;
  lossLayer: Layer;
}

/**
 * Runs the model on a batch and the loss (or a metric) on its outputs and the rest of the batch (stack
 * semantics: the model takes its `nIn` items from the top, the end layer takes the model's outputs and what is
 * left). Returns the end layer's scalar and the model's new state.
 */
export function modelThenEnd(
  model: Layer,
  end: Layer,
  batch: readonly Tensor[],
  weights: Weights,
  state: State,
  endWeights: Weights,
  rng: Key,
): [Tensor, State] {
  const [modelRng, endRng] = splitKey(rng, 2) as [Key, Key];
  const [outputs, newState] = model.pureFn(fromList(batch.slice(0, model.nIn)), weights, state, modelRng);
  // Like Trax's Branch of end layers: the end layer takes as many items as it needs from the top of the stack.
  const endInputs = [...toList(outputs, model.nOut, 'output'), ...batch.slice(model.nIn)].slice(0, end.nIn);
  const [value] = end.pureFn(fromList(endInputs), endWeights, end.state, endRng);
  return [value as Tensor, newState];
}

/** What one training step made. The caller owns every tensor in it. */
export interface StepResult {
  loss: number;
  gradientsL2: number;
  weightsL2: number;
  weights: Weights;
  slots: SlotTree;
  state: State;
  /** The loss layer's updated weights (its input weights when it has none). */
  lossWeights: Weights;
  /** The loss layer's updated optimizer slots (undefined when it has no weights). */
  lossSlots: SlotTree | undefined;
}

/**
 * Thrown by `Loop.run` when a step's loss or gradients are NaN or infinite. The step's update was not applied,
 * and no checkpoint was written for it, so the last checkpoint is intact. The message names the step.
 * @public
 */
export class NonFiniteError extends Error {
  constructor(
    /** The step (from 1) whose loss or gradients were not finite. */
    readonly step: number,
    /** Which was not finite: the loss or (the global norm of) the gradients. */
    readonly what: 'loss' | 'gradients',
    /** The offending value (NaN or ±Infinity). */
    readonly value: number,
    /** What happened, without the step: the message is `Step <step>: <reason>`. */
    readonly reason: string,
  ) {
    super(`Step ${step}: ${reason}`);
    this.name = 'NonFiniteError';
  }
}

/**
 * Computes the loss and its gradients with respect to every distinct weight tensor, checks they are finite,
 * and applies the optimizer. As in Trax, where the trained model is `Serial(model, lossLayer)`, a loss layer with
 * weights of its own (a CRF's transition scores) is trained too: pass its slots as `lossSlots` (one optimizer
 * update covers both, so gradient clipping and the norms are global). Inputs are not disposed; on success the result's tensors are new (or reused from
 * the inputs where unchanged, such as an untouched state), on failure nothing new survives.
 *
 * Differentiating the pure function directly means a layer with its own `tf.customGrad` (the reversible
 * layers, which take their weights as explicit inputs) trains with no extra configuration.
 */
export function trainStep(
  task: ModelWithLoss & { optimizer: Optimizer },
  batch: readonly Tensor[],
  weights: Weights,
  state: State,
  slots: SlotTree,
  rng: Key,
  step: number,
  optimizerStep: number,
  learningRate: number,
  lossSlots?: SlotTree,
): StepResult {
  const { model, lossLayer, optimizer } = task;
  const modelLeaves = treeLeaves(weights);
  if (modelLeaves.length === 0) throw new Error(`the model ${model.name} has no weights to train`);
  const lossWeights = lossLayer.weights;
  const trainLoss = lossSlots !== undefined && treeLeaves(lossWeights).length > 0;
  // Weights of non-trainable layers are neither differentiated nor updated.
  const frozen = new Set([...nonTrainableWeights(model), ...(trainLoss ? nonTrainableWeights(lossLayer) : [])]);
  const trained = trainLoss ? [...modelLeaves, ...treeLeaves(lossWeights).filter((t) => !modelLeaves.includes(t))] : modelLeaves;
  const leaves = frozen.size === 0 ? trained : trained.filter((t) => !frozen.has(t));
  if (leaves.length === 0) throw new Error(`the model ${model.name} has no trainable weights (every layer is trainable = false)`);
  let newState: State = state;
  const f = (): tf.Scalar => {
    // A weight shared by several layers is one tensor, so its gradient is accumulated over all its uses.
    const [loss, s] = modelThenEnd(model, lossLayer, batch, weights, state, lossWeights, rng);
    if (loss.shape.length !== 0) throw new Error(`the loss layer ${lossLayer.name} gave shape [${loss.shape.join(',')}], not a scalar`);
    newState = s;
    for (const [, t] of flattenTree(s)) tf.keep(t);
    return loss as tf.Scalar;
  };
  const { value, grads } = tf.engine().gradients(f, leaves, undefined, true);
  const stateCreated = flattenTree(newState)
    .map(([, t]) => t)
    .filter((t) => !treeLeaves(state).includes(t));
  try {
    const loss = value.dataSync()[0]!;
    if (!Number.isFinite(loss)) {
      throw new NonFiniteError(step, 'loss', loss, `the loss ${lossLayer.name} is ${loss}; training stopped before updating the weights`);
    }
    const gradOf = new Map(leaves.map((t, i) => [t, grads[i] ?? tf.zerosLike(t)]));
    // A frozen weight's place in the gradient tree holds the weight itself, which the optimizer never reads.
    const gradTree = mapTree(weights, (t) => gradOf.get(t) ?? t);
    const update = trainLoss
      ? splitUpdate(
          optimizer.treeUpdate(
            optimizerStep,
            { model: gradTree, loss: mapTree(lossWeights, (t) => gradOf.get(t) ?? t) },
            { model: weights, loss: lossWeights },
            { model: slots, loss: lossSlots },
            learningRate,
            frozen,
          ),
        )
      : { ...optimizer.treeUpdate(optimizerStep, gradTree, weights, slots, learningRate, frozen), lossWeights, lossSlots };
    tf.dispose([...gradOf.values()]);
    const [gradientsL2, weightsL2] = [update.gradientsL2.dataSync()[0]!, update.weightsL2.dataSync()[0]!];
    tf.dispose([update.gradientsL2, update.weightsL2]);
    if (!Number.isFinite(gradientsL2)) {
      disposeNew(update.weights, weights);
      disposeNew(update.slots, slots);
      if (trainLoss) {
        disposeNew(update.lossWeights, lossWeights);
        disposeNew(update.lossSlots!, lossSlots);
      }
      throw new NonFiniteError(
        step,
        'gradients',
        gradientsL2,
        `the gradients of ${lossLayer.name} are not finite (norm ${gradientsL2}); training stopped before updating the weights`,
      );
    }
    return {
      loss,
      gradientsL2,
      weightsL2,
      weights: update.weights,
      slots: update.slots,
      state: newState,
      lossWeights: update.lossWeights,
      lossSlots: update.lossSlots,
    };
  } catch (error) {
    tf.dispose(stateCreated);
    tf.dispose(grads.filter((g): g is Tensor => g != null));
    throw error;
  } finally {
    value.dispose();
  }
}

/** The halves of an update of the tree `{ model, loss }`. */
function splitUpdate(
  update: TreeUpdate,
): Omit<TreeUpdate, 'weights' | 'slots'> & { weights: Weights; slots: SlotTree; lossWeights: Weights; lossSlots: SlotTree } {
  const part = (tree: Weights, key: string): Weights => tree[key] as Weights;
  return {
    gradientsL2: update.gradientsL2,
    weightsL2: update.weightsL2,
    weights: part(update.weights, 'model'),
    slots: part(update.slots, 'model'),
    lossWeights: part(update.weights, 'loss'),
    lossSlots: part(update.slots, 'loss'),
  };
}

function disposeNew(tree: Weights, old: Weights): void {
  const keep = new Set(treeLeaves(old));
  for (const t of treeLeaves(tree)) if (!keep.has(t)) t.dispose();
}
