import type { Tensor } from '../core/types.js';
import { Optimizer, type OptimizerOptions, type WeightSlots } from './optimizer.js';

/** Options of {@link SGD}. @public */
export type SGDOptions = OptimizerOptions;

/**
 * Plain stochastic gradient descent: `w <- w - learningRate * g`. No slots. Defaults: learning rate 0.01 (Trax's
 * base default), no weight decay.
 * @public
 */
export class SGD extends Optimizer {
  /** `'SGD'`, as printed and checkpointed. */
  readonly name = 'SGD';

  constructor(options: SGDOptions = {}) {
    super(options, { learningRate: 0.01, weightDecayRate: 0 });
  }

  /** The learning rate, clipping, decay and averaging settings, with `type: 'SGD'`: what a checkpoint records. */
  get config() {
    return {
      type: this.name,
      learningRate: this.learningRate,
      clipGradNorm: this.clipGradNorm,
      weightDecayRate: this.weightDecayRate,
      averageDecay: this.averageDecay,
    };
  }

  /** No slots: plain SGD keeps no state. */
  initSlots(): WeightSlots {
    return {};
  }

  /** The step `learningRate * g`. */
  update(_step: number, grad: Tensor, _weight: Tensor, _slots: WeightSlots, learningRate: number): { delta: Tensor; slots: WeightSlots } {
    return { delta: grad.mul(learningRate), slots: {} };
  }
}
