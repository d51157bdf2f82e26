import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { Optimizer, type OptimizerOptions, type WeightSlots } from './optimizer.js';

/** Options of {@link RMSProp}. @public */
export interface RMSPropOptions extends OptimizerOptions {
  /** Decay of the mean squared gradient (default 0.9). */
  gamma?: number;
  /** Added to the root mean square for stability (default 1e-8). */
  eps?: number;
}

/**
 * RMSProp as in Trax: `a <- gamma a + (1 - gamma) g^2`, `w <- w - learningRate g / (sqrt(a) + eps)`. The mean
 * square starts at ones (Trax's choice, which damps the first steps). Defaults: learning rate 0.001, gamma 0.9,
 * eps 1e-8, no weight decay. Slot: `avgSqGrad`.
 * @public
 */
export class RMSProp extends Optimizer {
  /** `'RMSProp'`, as printed and checkpointed. */
  readonly name = 'RMSProp';
  /** Decay of the mean squared gradient `avgSqGrad`. */
  readonly gamma: number;
  /** Added to the root mean square in the denominator of the step. */
  readonly eps: number;

  constructor(options: RMSPropOptions = {}) {
    super(options, { learningRate: 0.001, weightDecayRate: 0 });
    this.gamma = options.gamma ?? 0.9;
    this.eps = options.eps ?? 1e-8;
  }

  /** Every hyperparameter, defaults filled in, with `type: 'RMSProp'`: what a checkpoint records. */
  get config() {
    const { name: type, learningRate, clipGradNorm, weightDecayRate, gamma, eps } = this;
    return { type, learningRate, clipGradNorm, weightDecayRate, averageDecay: this.averageDecay, gamma, eps };
  }

  /** The mean squared gradient `avgSqGrad`, starting at ones (as in Trax). */
  initSlots(weight: Tensor): WeightSlots {
    return { avgSqGrad: tf.onesLike(weight) };
  }

  /** The new mean square `gamma a + (1 - gamma) g^2` and the step `learningRate g / (sqrt(a) + eps)`. */
  update(_step: number, grad: Tensor, _weight: Tensor, slots: WeightSlots, learningRate: number): { delta: Tensor; slots: WeightSlots } {
    const avgSqGrad = slots['avgSqGrad']!.mul(this.gamma).add(grad.square().mul(1 - this.gamma));
    const delta = grad.mul(learningRate).div(avgSqGrad.sqrt().add(this.eps));
    return { delta, slots: { avgSqGrad } };
  }
}
