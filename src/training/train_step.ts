/**
 * One training step as a pure function: the model's pure function composed with the loss layer (Trax's
 * `Serial(model, loss)`), differentiated with respect to the weight leaves of both, then one optimizer update.
 * The {@link Trainer} keeps the weights and slots between steps; this module only computes.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import { flattenTree, mapTree, treeLeaves } from '../core/tensor_tree.js';
import { nonTrainableWeights } from '../core/non_trainable.js';
import type { State, Tensor, Weights } from '../core/types.js';
import { disposeReplaced } from '../core/tensor_tree.js';
import { type SlotTree, type Optimizer } from '../optimizers/optimizer.js';
import { type Key, splitKey } from '../rng/key.js';

/** The model and loss of a training task, wired as Trax's `Serial(model, loss)`. @public */
export interface ModelWithLoss {
  /** The model: it takes its `nIn` items from the top of the batch. */
  model: Layer;
  /** The loss: it takes the model's outputs and the rest of the batch (targets, weights) and gives a scalar. */
  lossLayer: Layer;
}

/**
 * The weights of `Serial(model, loss)`: the model's tree and the loss layer's (empty for a weightless loss), one
 * tree, so that one optimizer update covers both (gradient clipping and norms are global). @public
 */
export interface ModelAndLossWeights {
  /** The model's weight tree. */
  model: Weights;
  /** The loss layer's weight tree (`{}` when it has none). */
  loss: Weights;
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

/** What {@link trainStep} takes. Nothing in it is disposed. @public */
export interface TrainStepInput extends ModelWithLoss {
  /** The optimizer of the update. */
  optimizer: Optimizer;
  /** The batch: the model's inputs, then the loss layer's other inputs (targets, weights). */
  batch: readonly Tensor[];
  /** The weights the step starts from: the model's and the loss layer's. */
  weights: ModelAndLossWeights;
  /** The model's state. */
  state: State;
  /** The optimizer slots of `weights` (`optimizer.treeInit(weights)` before the first step). */
  slots: SlotTree;
  /** The step's random key (dropout and the like). */
  rng: Key;
  /** The step's number (from 1), named by errors. */
  step: number;
  /** The number of updates this optimizer has made before this one (Adam's bias correction counts them). */
  optimizerStep: number;
  /** The step's learning rate. */
  learningRate: number;
}

/** What one training step made. The caller owns every tensor in it. @public */
export interface StepResult {
  /** The step's loss (before the update). */
  loss: number;
  /** The global L2 norm of the gradients, before clipping. */
  gradientsL2: number;
  /** The global L2 norm of the weights the step started from. */
  weightsL2: number;
  /** The updated weights (tensors of the input where unchanged: frozen weights). */
  weights: ModelAndLossWeights;
  /** The updated optimizer slots. */
  slots: SlotTree;
  /** The model's new state. */
  state: State;
}

/**
 * Thrown by a training step when its loss or gradients are NaN or infinite. The step's update was not applied,
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

/** What {@link stepGradients} takes: a train step's input without the update's part. @public */
export type GradientsInput = Omit<TrainStepInput, 'optimizer' | 'slots' | 'optimizerStep' | 'learningRate'>;

/** A batch's loss and gradients, before any update. The caller owns `grads` and the tensors of `state` it did not pass in. @public */
export interface StepGradients {
  /** The loss. */
  loss: number;
  /** The gradient of each distinct trainable weight tensor (zeros where the loss does not depend on it). */
  grads: Map<Tensor, Tensor>;
  /** The model's new state. */
  state: State;
  /** The weights of non-trainable layers (not differentiated, not updated). */
  frozen: ReadonlySet<Tensor>;
}

/**
 * The loss of `Serial(model, lossLayer)` on a batch and its gradients with respect to every distinct trainable
 * weight tensor of both (a weight shared by several layers is one tensor: its gradient sums all its uses). Nothing
 * is updated; on failure nothing new survives.
 * @public
 */
export function stepGradients(input: GradientsInput): StepGradients {
  const { model, lossLayer, batch, weights, state, rng } = input;
  const modelLeaves = treeLeaves(weights.model);
  if (modelLeaves.length === 0) throw new Error(`the model ${model.name} has no weights to train`);
  // Weights of non-trainable layers are neither differentiated nor updated.
  const frozen = new Set([...nonTrainableWeights(model), ...nonTrainableWeights(lossLayer)]);
  const trained = [...new Set([...modelLeaves, ...treeLeaves(weights.loss)])];
  const leaves = frozen.size === 0 ? trained : trained.filter((t) => !frozen.has(t));
  if (leaves.length === 0) throw new Error(`the model ${model.name} has no trainable weights (every layer is trainable = false)`);
  let newState: State = state;
  const f = (): tf.Scalar => {
    const [loss, s] = modelThenEnd(model, lossLayer, batch, weights.model, state, weights.loss, rng);
    if (loss.shape.length !== 0) throw new Error(`the loss layer ${lossLayer.name} gave shape [${loss.shape.join(',')}], not a scalar`);
    newState = s;
    for (const [, t] of flattenTree(s)) tf.keep(t);
    return loss as tf.Scalar;
  };
  const { value, grads } = tf.engine().gradients(f, leaves, undefined, true);
  try {
    const loss = value.dataSync()[0]!;
    return { loss, grads: new Map(leaves.map((t, i) => [t, grads[i] ?? tf.zerosLike(t)])), state: newState, frozen };
  } catch (error) {
    tf.dispose(
      flattenTree(newState)
        .map(([, t]) => t)
        .filter((t) => !treeLeaves(state).includes(t)),
    );
    tf.dispose(grads.filter((g): g is Tensor => g != null));
    throw error;
  } finally {
    value.dispose();
  }
}

/**
 * One optimizer update of the joined tree from a loss and its gradients (from {@link stepGradients}, or summed
 * over the shards of a batch): checks the loss and the gradients' norm are finite (else a {@link NonFiniteError},
 * with no update), and returns the new weights and slots. Takes ownership of `gradients.grads` (disposed) and, on
 * failure, of the tensors of `gradients.state` that are not in `input.state`.
 * @public
 */
export function applyGradients(input: Omit<TrainStepInput, 'batch' | 'rng'>, gradients: StepGradients): StepResult {
  const { lossLayer, optimizer, weights, slots, step } = input;
  const { loss, grads, frozen } = gradients;
  const stateCreated = (): Tensor[] =>
    flattenTree(gradients.state)
      .map(([, t]) => t)
      .filter((t) => !treeLeaves(input.state).includes(t));
  try {
    if (!Number.isFinite(loss)) {
      throw new NonFiniteError(step, 'loss', loss, `the loss ${lossLayer.name} is ${loss}; training stopped before updating the weights`);
    }
    // A frozen weight's place in the gradient tree holds the weight itself, which the optimizer never reads.
    const joined = weights as unknown as Weights;
    const gradTree = mapTree(joined, (t) => grads.get(t) ?? t);
    const update = optimizer.treeUpdate(input.optimizerStep, gradTree, joined, slots, input.learningRate, frozen);
    const [gradientsL2, weightsL2] = [update.gradientsL2.dataSync()[0]!, update.weightsL2.dataSync()[0]!];
    tf.dispose([update.gradientsL2, update.weightsL2]);
    if (!Number.isFinite(gradientsL2)) {
      disposeReplaced(update.weights, joined);
      disposeReplaced(update.slots, slots);
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
      weights: update.weights as unknown as ModelAndLossWeights,
      slots: update.slots,
      state: gradients.state,
    };
  } catch (error) {
    tf.dispose(stateCreated());
    throw error;
  } finally {
    tf.dispose([...grads.values()]);
  }
}

/**
 * Computes the loss and its gradients with respect to every distinct trainable weight tensor of the model and
 * the loss layer, checks they are finite, and applies the optimizer to the joined tree ({@link stepGradients}
 * then {@link applyGradients}). As in Trax, where the trained model is `Serial(model, lossLayer)`, a loss layer
 * with weights of its own (a CRF's transition scores) is trained like any other layer. On success the result's
 * tensors are new (or the input's where unchanged, such as an untouched state); on failure nothing new survives.
 *
 * Differentiating the pure function directly means a layer with its own `tf.customGrad` (the reversible
 * layers, which take their weights as explicit inputs) trains with no extra configuration.
 * @public
 */
export function trainStep(input: TrainStepInput): StepResult {
  return applyGradients(input, stepGradients(input));
}
