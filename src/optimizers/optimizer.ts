import { movingAverage } from '../backend/fused/moving_average_kernel.js';
import { tf } from '../backend/tf.js';
import { flattenTree, treeLeaves } from '../core/tensor_tree.js';
import type { Tensor, TensorTree, Weights } from '../core/types.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';

/** One weight's optimizer slots, by name (`{ m, v }` for Adam). @public */
export type WeightSlots = Record<string, Tensor>;

/**
 * The optimizer slots of a whole model: the weight tree's layout, with each weight replaced by its named slots,
 * so that the slot `m` of weight `0/w` lives at `0/w/m`. A weight shared by two layers has one set of slots,
 * reached from both places.
 * @public
 */
export type SlotTree = TensorTree;

/** Options every optimizer takes. @public */
export interface OptimizerOptions {
  /** The learning rate used when the training task has no schedule. */
  learningRate?: number;
  /** When set, gradients are clipped to this global norm before the update (see {@link clipByGlobalNorm}). */
  clipGradNorm?: number;
  /**
   * Decoupled weight decay: each step multiplies the weights by `1 - weightDecayRate` before subtracting the
   * update, apart from the gradient and its moments and independent of the learning rate, as Trax does.
   */
  weightDecayRate?: number;
  /**
   * Polyak averaging: when positive, each weight gets the slot `average`, an exponential moving average of its
   * values after each update, `average <- d average + (1 - d) weight` with `d = min(averageDecay, (1 + t) / (10 + t))`
   * at update `t` (from 0), so that the first averages follow the weights. Evaluating with the averages
   * ({@link averagedWeights}) usually generalises better than the last weights. Checkpointed with the other slots.
   * Default 0: off.
   */
  averageDecay?: number;
}

/** What one optimizer step makes: weights and slots for the next step, and the step's norms. @public */
export interface TreeUpdate {
  /** The updated weights, in the layout of the weights given. */
  weights: Weights;
  /** The updated slots, in the layout of {@link SlotTree}. */
  slots: SlotTree;
  /** Global L2 norm of the gradients, before clipping. */
  gradientsL2: tf.Scalar;
  /** Global L2 norm of the weights, before the update. */
  weightsL2: tf.Scalar;
}

/**
 * The base of the optimizers. A subclass says, for one weight tensor, which slots it keeps (`initSlots`) and how
 * one step changes them and what it subtracts from the weight (`update`); the base class applies that to the
 * whole weight tree, with global-norm gradient clipping and decoupled weight decay:
 *
 * `w <- (1 - weightDecayRate) * w - update(step, g, w, slots, learningRate)`.
 * @public
 */
export abstract class Optimizer {
  /** The learning rate used when the training task has no schedule. */
  readonly learningRate: number;
  /** The global norm gradients are clipped to before the update; `undefined`: no clipping. */
  readonly clipGradNorm: number | undefined;
  /**
   * Decoupled weight decay: each step multiplies the weights by `1 - weightDecayRate` (see {@link
   * OptimizerOptions.weightDecayRate}).
   */
  readonly weightDecayRate: number;
  /** See {@link OptimizerOptions.averageDecay} (0: no averaging). */
  readonly averageDecay: number;

  constructor(options: OptimizerOptions, defaults: { learningRate: number; weightDecayRate: number }) {
    this.learningRate = options.learningRate ?? defaults.learningRate;
    this.clipGradNorm = options.clipGradNorm;
    this.weightDecayRate = options.weightDecayRate ?? defaults.weightDecayRate;
    this.averageDecay = options.averageDecay ?? 0;
    if (!(this.averageDecay >= 0 && this.averageDecay < 1)) {
      throw new RangeError(`${this.constructor.name}: averageDecay must be in [0, 1), got ${this.averageDecay}`);
    }
    if (!(this.learningRate >= 0)) throw new RangeError(`${this.constructor.name}: learningRate must be >= 0, got ${this.learningRate}`);
    if (this.clipGradNorm !== undefined && !(this.clipGradNorm > 0)) {
      throw new RangeError(`${this.constructor.name}: clipGradNorm must be positive, got ${this.clipGradNorm}`);
    }
  }

  /** The optimizer's name, as printed and checkpointed (`Adam`). */
  abstract readonly name: string;

  /** Every hyperparameter, defaults filled in: what a checkpoint records. */
  abstract get config(): Record<string, number | boolean | string | undefined>;

  /** The slots of one weight tensor, all zeros or ones (no randomness). */
  abstract initSlots(weight: Tensor): WeightSlots;

  /**
   * One step for one weight: the amount to subtract from the (decayed) weight and the new slots. `step` counts
   * the updates made before this one (0 for the first); `learningRate` is the step's rate.
   */
  abstract update(
    step: number,
    grad: Tensor,
    weight: Tensor,
    slots: WeightSlots,
    learningRate: number,
  ): { delta: Tensor; slots: WeightSlots };

  /** Slots for a whole weight tree (see {@link SlotTree}). */
  treeInit(weights: Weights): SlotTree {
    const memo = new Map<Tensor, WeightSlots>();
    const walk = (tree: Weights): SlotTree => {
      const out: SlotTree = {};
      for (const [key, value] of Object.entries(tree)) {
        if (value instanceof tf.Tensor) {
          let slots = memo.get(value);
          if (!slots) {
            slots = this.initSlots(value);
            if (this.averageDecay > 0) slots = { ...slots, [AVERAGE_SLOT]: tf.clone(value) };
            memo.set(value, slots);
          }
          out[key] = slots;
        } else {
          out[key] = walk(value);
        }
      }
      return out;
    };
    return walk(weights);
  }

  /**
   * One optimizer step over the whole tree. `grads` has the weights' layout. Returns new tensors; the caller
   * owns them and disposes the old weights and slots (`disposeReplaced` helps). A weight shared by several
   * layers is updated once. Weights in `frozen` are left as they are: the same tensors and slots come back (no
   * update, no weight decay, no averaging), and their gradients, which may be absent, count in neither the
   * clipping norm nor `gradientsL2`.
   */
  treeUpdate(
    step: number,
    grads: Weights,
    weights: Weights,
    slots: SlotTree,
    learningRate: number,
    frozen: ReadonlySet<Tensor> = new Set(),
  ): TreeUpdate {
    return tf.tidy(() => {
      // Frozen weights (non-trainable layers) keep their tensors and slots; their gradients, when given, are ignored.
      const frozenPaths = new Set(
        flattenTree(weights)
          .filter(([, t]) => frozen.has(t))
          .map(([p]) => p),
      );
      const gradLeaves =
        frozenPaths.size === 0
          ? treeLeaves(grads)
          : [
              ...new Set(
                flattenTree(grads)
                  .filter(([p]) => !frozenPaths.has(p))
                  .map(([, g]) => g),
              ),
            ];
      const gradientsL2 = globalNorm(gradLeaves);
      const weightsL2 = globalNorm(treeLeaves(weights));
      let clipped = new Map<Tensor, Tensor>();
      if (this.clipGradNorm !== undefined) {
        const out = clipByGlobalNorm(gradLeaves, this.clipGradNorm, gradientsL2);
        clipped = new Map(gradLeaves.map((g, i) => [g, out[i]!]));
      }
      const memo = new Map<Tensor, { weight: Tensor; slots: WeightSlots }>();
      const newSlots: SlotTree = {};
      const walk = (w: Weights, g: Weights, s: SlotTree, outSlots: SlotTree, path: string): Weights => {
        const out: Weights = {};
        for (const [key, value] of Object.entries(w)) {
          const here = path ? `${path}/${key}` : key;
          const grad = g[key];
          const slot = s[key];
          if (value instanceof tf.Tensor && frozen.has(value)) {
            if (slot === undefined || slot instanceof tf.Tensor) throw new Error(`${this.name}: no slots for weight ${here}`);
            out[key] = value;
            outSlots[key] = slot;
          } else if (value instanceof tf.Tensor) {
            if (!(grad instanceof tf.Tensor)) throw new Error(`${this.name}: no gradient for weight ${here}`);
            if (slot === undefined || slot instanceof tf.Tensor) throw new Error(`${this.name}: no slots for weight ${here}`);
            let made = memo.get(value);
            if (!made) {
              made = this.updateOne(step, clipped.get(grad) ?? grad, value, slot as WeightSlots, learningRate, here);
              memo.set(value, made);
            }
            out[key] = made.weight;
            outSlots[key] = made.slots;
          } else {
            if (grad === undefined || grad instanceof tf.Tensor) throw new Error(`${this.name}: the gradient tree has no subtree ${here}`);
            if (slot === undefined || slot instanceof tf.Tensor) throw new Error(`${this.name}: the slot tree has no subtree ${here}`);
            const sub: SlotTree = {};
            out[key] = walk(value, grad, slot, sub, here);
            outSlots[key] = sub;
          }
        }
        return out;
      };
      const newWeights = walk(weights, grads, slots, newSlots, '');
      return { weights: newWeights, slots: newSlots, gradientsL2, weightsL2 };
    });
  }

  private updateOne(
    step: number,
    grad: Tensor,
    weight: Tensor,
    slots: WeightSlots,
    learningRate: number,
    path: string,
  ): { weight: Tensor; slots: WeightSlots } {
    if (grad.shape.join(',') !== weight.shape.join(',')) {
      throw new Error(
        `${this.name}: gradient of weight ${path} has shape [${grad.shape.join(',')}], the weight [${weight.shape.join(',')}]`,
      );
    }
    const made = this.updateWeight(step, grad, weight, slots, learningRate);
    if (this.averageDecay === 0) return made;
    const average = slots[AVERAGE_SLOT];
    if (!average) throw new Error(`${this.name}: weight ${path} has no '${AVERAGE_SLOT}' slot (slots made without averageDecay)`);
    const d = Math.min(this.averageDecay, (1 + step) / (10 + step));
    return { weight: made.weight, slots: { ...made.slots, [AVERAGE_SLOT]: movingAverage(average, made.weight, d) } };
  }

  /**
   * The decayed weight minus {@link Optimizer.update}'s delta, and the new slots. An optimizer overrides this to
   * compute the same in one fused kernel (Adam does).
   */
  protected updateWeight(
    step: number,
    grad: Tensor,
    weight: Tensor,
    slots: WeightSlots,
    learningRate: number,
  ): { weight: Tensor; slots: WeightSlots } {
    const { delta, slots: next } = this.update(step, grad, weight, slots, learningRate);
    const decayed = this.weightDecayRate === 0 ? weight : weight.mul(1 - this.weightDecayRate);
    const updated = decayed.sub(delta);
    return { weight: updated.dtype === weight.dtype ? updated : updated.cast(weight.dtype), slots: next };
  }
}

/** The slot holding a weight's moving average (see {@link OptimizerOptions.averageDecay}). @public */
export const AVERAGE_SLOT = 'average';

/**
 * The moving averages of `weights` kept in their optimizer `slots` (an optimizer made with `averageDecay`), as a
 * tree of the weights' layout. The tensors are the slots' own: do not dispose them.
 * @public
 */
export function averagedWeights(weights: Weights, slots: SlotTree): Weights {
  const walk = (w: Weights, s: SlotTree, path: string): Weights => {
    const out: Weights = {};
    for (const [key, value] of Object.entries(w)) {
      const here = path ? `${path}/${key}` : key;
      const slot = s[key];
      if (value instanceof tf.Tensor) {
        const average = slot !== undefined && !(slot instanceof tf.Tensor) ? (slot as WeightSlots)[AVERAGE_SLOT] : undefined;
        if (!(average instanceof tf.Tensor))
          throw new Error(`averagedWeights: weight ${here} has no '${AVERAGE_SLOT}' slot (make the optimizer with averageDecay)`);
        out[key] = average;
      } else {
        if (slot === undefined || slot instanceof tf.Tensor) throw new Error(`averagedWeights: the slot tree has no subtree ${here}`);
        out[key] = walk(value, slot, here);
      }
    }
    return out;
  };
  return walk(weights, slots, '');
}
