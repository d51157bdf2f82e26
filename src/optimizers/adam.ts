import { adamUpdate } from '../backend/fused/adam_kernel.js';
import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { Optimizer, type OptimizerOptions, type WeightSlots } from './optimizer.js';

/** Options of {@link Adam}. @public */
export interface AdamOptions extends OptimizerOptions {
  /** Decay of the first-moment estimate (default 0.9). */
  b1?: number;
  /** Decay of the second-moment estimate (default 0.999). */
  b2?: number;
  /** Added to the root of the second moment for stability (default 1e-5, Trax's, not the paper's 1e-8). */
  eps?: number;
}

/**
 * Adam (Kingma & Ba, https://arxiv.org/abs/1412.6980) with Trax's defaults and decoupled weight decay:
 *
 * `m <- b1 m + (1 - b1) g`, `v <- b2 v + (1 - b2) g^2`, `m^ = m / (1 - b1^t)`, `v^ = v / (1 - b2^t)`,
 * `w <- (1 - weightDecayRate) w - learningRate * m^ / (sqrt(v^) + eps)`, with `t` = 1 on the first update.
 *
 * Defaults (trax/optimizers/adam.py): b1 0.9, b2 0.999, eps 1e-5, weightDecayRate 1e-5. Trax requires the
 * learning rate; here it defaults to 0.001 (the paper's), used only when the task has no schedule.
 * Slots: `m`, `v`.
 *
 * Trax's `Loop` hands the 1-based step number to the optimizer, whose bias correction then uses `step + 1`, so
 * its first update corrects with `1 - b1^2`; trax-ts counts updates from 0 so the first correction is the paper's
 * `1 - b1`.
 * @public
 */
export class Adam extends Optimizer {
  /** `'Adam'`, as printed and checkpointed. */
  readonly name = 'Adam';
  /** Decay of the first-moment estimate `m`. */
  readonly b1: number;
  /** Decay of the second-moment estimate `v`. */
  readonly b2: number;
  /** Added to `sqrt(v^)` in the denominator of the step. */
  readonly eps: number;

  constructor(options: AdamOptions = {}) {
    super(options, { learningRate: 0.001, weightDecayRate: 1e-5 });
    this.b1 = options.b1 ?? 0.9;
    this.b2 = options.b2 ?? 0.999;
    this.eps = options.eps ?? 1e-5;
  }

  /** Every hyperparameter, defaults filled in, with `type: 'Adam'`: what a checkpoint records. */
  get config() {
    const { name: type, learningRate, clipGradNorm, weightDecayRate, averageDecay, b1, b2, eps } = this;
    return { type, learningRate, clipGradNorm, weightDecayRate, averageDecay, b1, b2, eps };
  }

  /** Zero moments `m` and `v` of the weight's shape. */
  initSlots(weight: Tensor): WeightSlots {
    return { m: tf.zerosLike(weight), v: tf.zerosLike(weight) };
  }

  /** The bias-corrected Adam step `learningRate * m^ / (sqrt(v^) + eps)` and the new `m`, `v`. */
  update(step: number, grad: Tensor, _weight: Tensor, slots: WeightSlots, learningRate: number): { delta: Tensor; slots: WeightSlots } {
    const t = step + 1;
    const m = grad.mul(1 - this.b1).add(slots['m']!.mul(this.b1));
    const v = grad
      .square()
      .mul(1 - this.b2)
      .add(slots['v']!.mul(this.b2));
    const mHat = m.div(1 - this.b1 ** t);
    const vHat = v.div(1 - this.b2 ** t);
    const delta = mHat.mul(learningRate).div(vHat.sqrt().add(this.eps));
    return { delta, slots: { m, v } };
  }

  /** The same update as {@link Adam.update} followed by the decay, in one pass (see `adamUpdate`). */
  protected override updateWeight(
    step: number,
    grad: Tensor,
    weight: Tensor,
    slots: WeightSlots,
    learningRate: number,
  ): { weight: Tensor; slots: WeightSlots } {
    const t = step + 1;
    const [w, m, v] = adamUpdate(weight, grad, slots['m']!, slots['v']!, {
      b1: this.b1,
      b2: this.b2,
      eps: this.eps,
      learningRate,
      c1: 1 - this.b1 ** t,
      c2: 1 - this.b2 ** t,
      decay: 1 - this.weightDecayRate,
    });
    return { weight: w, slots: { m, v } };
  }
}
