import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { Optimizer, type OptimizerOptions, type WeightSlots } from './optimizer.js';

/** Options of {@link Momentum}. @public */
export interface MomentumOptions extends OptimizerOptions {
  /** The momentum coefficient mu (default 0.9). */
  mass?: number;
  /** Use the Nesterov correction (default true, as in Trax). */
  nesterov?: boolean;
}

/**
 * Momentum SGD, with or without the Nesterov correction, as Trax computes it (Sutskever et al. 2013, in the
 * form of Bengio et al. 2012):
 *
 * `v <- mass * v + g`; the step is `mass * v + g` (Nesterov) or `v` (plain);
 * `w <- (1 - weightDecayRate) * w - learningRate * step`.
 *
 * Defaults as in Trax: learning rate 0.01, mass 0.9, weightDecayRate 1e-5, nesterov true. Slot: `velocity`.
 * @public
 */
export class Momentum extends Optimizer {
  /** `'Momentum'`, as printed and checkpointed. */
  readonly name = 'Momentum';
  /** The momentum coefficient: how much of the velocity carries over to the next step. */
  readonly mass: number;
  /** Whether the step uses the Nesterov correction (`mass * v + g` instead of `v`). */
  readonly nesterov: boolean;

  constructor(options: MomentumOptions = {}) {
    super(options, { learningRate: 0.01, weightDecayRate: 1e-5 });
    this.mass = options.mass ?? 0.9;
    this.nesterov = options.nesterov ?? true;
  }

  /** Every hyperparameter, defaults filled in, with `type: 'Momentum'`: what a checkpoint records. */
  get config() {
    const { name: type, learningRate, clipGradNorm, weightDecayRate, mass, nesterov } = this;
    return { type, learningRate, clipGradNorm, weightDecayRate, averageDecay: this.averageDecay, mass, nesterov };
  }

  /** A zero `velocity` of the weight's shape. */
  initSlots(weight: Tensor): WeightSlots {
    return { velocity: tf.zerosLike(weight) };
  }

  /**
   * The new velocity `mass * v + g` and the step `learningRate * (mass * v + g)` (Nesterov) or `learningRate * v`.
   */
  update(_step: number, grad: Tensor, _weight: Tensor, slots: WeightSlots, learningRate: number): { delta: Tensor; slots: WeightSlots } {
    const velocity = slots['velocity']!.mul(this.mass).add(grad);
    const step = this.nesterov ? velocity.mul(this.mass).add(grad) : velocity;
    return { delta: step.mul(learningRate), slots: { velocity } };
  }
}
