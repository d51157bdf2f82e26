/**
 * Optimizers (SGD, Momentum, Adam, Adafactor, RMSProp) over weight trees, and learning-rate schedules.
 */
export {
  Optimizer,
  type OptimizerOptions,
  type WeightSlots,
  type SlotTree,
  type TreeUpdate,
  averagedWeights,
  AVERAGE_SLOT,
} from './optimizer.js';
export { globalNorm, clipByGlobalNorm } from './clip.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Momentum, type MomentumOptions } from './momentum.js';
export { Adam, type AdamOptions } from './adam.js';
export { Adafactor, type AdafactorOptions } from './adafactor.js';
export { RMSProp, type RMSPropOptions } from './rms_prop.js';
export { type OptimizerConfig, makeOptimizer } from './config.js';
export {
  type LRSchedule,
  constant,
  warmup,
  warmupAndRsqrtDecay,
  warmupLinearDecay,
  multifactor,
  type MultifactorOptions,
  type ScheduleFactor,
} from './schedules.js';
