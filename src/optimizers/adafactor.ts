import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { Optimizer, type OptimizerOptions, type WeightSlots } from './optimizer.js';

/** Options of {@link Adafactor}. @public */
export interface AdafactorOptions extends OptimizerOptions {
  /** Keep factored (row and column) second moments for weights of rank >= 2 (default true). */
  factored?: boolean;
  /** Scale the learning rate by the weight's root mean square, at least `epsilon2` (default true). */
  multiplyByParameterScale?: boolean;
  /** Clip the update's root mean square to `clippingThreshold` (default true). */
  doClipping?: boolean;
  /** Keep a first moment (default false; uses a slot as large as the weight). */
  doMomentum?: boolean;
  /** Momentum coefficient when `doMomentum` (default 0). */
  beta1?: number;
  /** Exponent of the second-moment decay schedule `1 - t^-decayRate` (default 0.8). */
  decayRate?: number;
  /** Update clipping threshold (default 1). */
  clippingThreshold?: number;
  /** Added to the squared gradient (default 1e-30). */
  epsilon1?: number;
  /** Lower bound of the parameter scale (default 1e-3). */
  epsilon2?: number;
}

/**
 * Adafactor (Shazeer & Stern, https://arxiv.org/abs/1804.04235) as Trax implements it. For a weight of rank
 * >= 2 it keeps only row and column means of the squared gradient (`vRow` of shape `shape[:-1]`, `vCol` of
 * shape `shape[:-2] + shape[-1:]`) instead of a full second moment; rank-1 weights keep a full `v`.
 *
 * With `t` = the update number (1 first), `decay = 1 - t^-decayRate` and `g2 = g^2 + epsilon1`:
 * factored: `vRow <- decay vRow + (1 - decay) mean(g2, -1)`, `vCol <- decay vCol + (1 - decay) mean(g2, -2)`,
 * `y = g / sqrt(vRow / mean(vRow) outer vCol)`; unfactored: `v <- decay v + (1 - decay) g2`, `y = g / sqrt(v)`.
 * Then `y /= max(1, rms(y) / clippingThreshold)`; the step is `learningRate * max(rms(w), epsilon2) * y` (with
 * momentum `m <- beta1 m + (1 - beta1) step`, the step being `m`), and `w <- (1 - weightDecayRate) w - step`.
 *
 * Defaults as in Trax: learning rate 0.05, factored, multiplyByParameterScale, doClipping, no momentum (beta1 0),
 * decayRate 0.8, clippingThreshold 1, weightDecayRate 1e-5, epsilon1 1e-30, epsilon2 1e-3.
 * @public
 */
export class Adafactor extends Optimizer {
  /** `'Adafactor'`, as printed and checkpointed. */
  readonly name = 'Adafactor';
  /** Whether weights of rank >= 2 keep factored (row and column) second moments. */
  readonly factored: boolean;
  /** Whether the step is scaled by the weight's root mean square (at least `epsilon2`). */
  readonly multiplyByParameterScale: boolean;
  /** Whether the update's root mean square is clipped to `clippingThreshold`. */
  readonly doClipping: boolean;
  /** Whether a first moment `m` is kept (a slot as large as the weight). */
  readonly doMomentum: boolean;
  /** The momentum coefficient, used when `doMomentum`. */
  readonly beta1: number;
  /** Exponent of the second-moment decay `1 - t^-decayRate` at update `t` (from 1). */
  readonly decayRate: number;
  /** The root mean square the update is clipped to when `doClipping`. */
  readonly clippingThreshold: number;
  /** Added to the squared gradient before it enters the second moments. */
  readonly epsilon1: number;
  /** Lower bound of the parameter scale `rms(w)`. */
  readonly epsilon2: number;

  constructor(options: AdafactorOptions = {}) {
    super(options, { learningRate: 0.05, weightDecayRate: 1e-5 });
    this.factored = options.factored ?? true;
    this.multiplyByParameterScale = options.multiplyByParameterScale ?? true;
    this.doClipping = options.doClipping ?? true;
    this.doMomentum = options.doMomentum ?? false;
    this.beta1 = options.beta1 ?? 0;
    this.decayRate = options.decayRate ?? 0.8;
    this.clippingThreshold = options.clippingThreshold ?? 1;
    this.epsilon1 = options.epsilon1 ?? 1e-30;
    this.epsilon2 = options.epsilon2 ?? 1e-3;
  }

  /** Every hyperparameter, defaults filled in, with `type: 'Adafactor'`: what a checkpoint records. */
  get config() {
    const { name: type, learningRate, clipGradNorm, weightDecayRate, factored, multiplyByParameterScale, doClipping, doMomentum } = this;
    const { beta1, decayRate, clippingThreshold, epsilon1, epsilon2 } = this;
    return {
      type,
      learningRate,
      clipGradNorm,
      weightDecayRate,
      averageDecay: this.averageDecay,
      factored,
      multiplyByParameterScale,
      doClipping,
      doMomentum,
      beta1,
      decayRate,
      clippingThreshold,
      epsilon1,
      epsilon2,
    };
  }

  private isFactored(weight: Tensor): boolean {
    return this.factored && weight.rank >= 2;
  }

  /**
   * Zero second moments: `vRow` and `vCol` for a factored weight (rank >= 2), else a full `v`; with `doMomentum`,
   * also `m`.
   */
  initSlots(weight: Tensor): WeightSlots {
    const shape = weight.shape;
    const slots: WeightSlots = {};
    if (this.isFactored(weight)) {
      slots['vRow'] = tf.zeros(shape.slice(0, -1), 'float32');
      slots['vCol'] = tf.zeros([...shape.slice(0, -2), shape[shape.length - 1]!], 'float32');
    } else {
      slots['v'] = tf.zeros(shape, 'float32');
    }
    if (this.doMomentum) slots['m'] = tf.zerosLike(weight);
    return slots;
  }

  /**
   * The Adafactor step of the class comment for one weight: new second moments (and `m`), and the step to subtract.
   */
  update(step: number, grad: Tensor, weight: Tensor, slots: WeightSlots, learningRate: number): { delta: Tensor; slots: WeightSlots } {
    const decay = 1 - (step + 1) ** -this.decayRate;
    const mixing = 1 - decay;
    let scale: Tensor = tf.scalar(learningRate);
    if (this.multiplyByParameterScale) scale = scale.mul(tf.maximum(weight.square().mean().sqrt(), this.epsilon2));
    const g2 = grad.square().add(this.epsilon1);
    const next: WeightSlots = {};
    let y: Tensor;
    if (this.isFactored(weight)) {
      const vRow = slots['vRow']!.mul(decay).add(g2.mean(-1).mul(mixing));
      const vCol = slots['vCol']!.mul(decay).add(g2.mean(-2).mul(mixing));
      next['vRow'] = vRow;
      next['vCol'] = vCol;
      const rowFactor = vRow.div(vRow.mean(-1, true)).rsqrt();
      const colFactor = vCol.rsqrt();
      y = grad.mul(rowFactor.expandDims(-1)).mul(colFactor.expandDims(-2));
    } else {
      const v = slots['v']!.mul(decay).add(g2.mul(mixing));
      next['v'] = v;
      y = grad.mul(v.rsqrt());
    }
    if (this.doClipping) {
      const denominator = tf.maximum(1, y.square().mean().sqrt().div(this.clippingThreshold));
      y = y.div(denominator);
    }
    let delta = y.mul(scale);
    if (this.doMomentum) {
      const m = slots['m']!.mul(this.beta1).add(delta.mul(1 - this.beta1));
      next['m'] = m;
      delta = m;
    }
    return { delta, slots: next };
  }
}
