import { match } from 'ts-pattern';
import { Adafactor, type AdafactorOptions } from './adafactor.js';
import { Adam, type AdamOptions } from './adam.js';
import { Momentum, type MomentumOptions } from './momentum.js';
import type { Optimizer } from './optimizer.js';
import { RMSProp, type RMSPropOptions } from './rms_prop.js';
import { SGD, type SGDOptions } from './sgd.js';

/**
 * An optimizer as plain data (for configuration files and checkpoints): the optimizer's name in `type`, its
 * options beside it.
 * @public
 */
export type OptimizerConfig =
  | ({ type: 'SGD' } & SGDOptions)
  | ({ type: 'Momentum' } & MomentumOptions)
  | ({ type: 'Adam' } & AdamOptions)
  | ({ type: 'Adafactor' } & AdafactorOptions)
  | ({ type: 'RMSProp' } & RMSPropOptions);

/**
 * Makes an optimizer from its configuration.
 *
 * @example
 * ```ts
 * const opt = makeOptimizer({ type: 'Adam', learningRate: 1e-3, clipGradNorm: 1 });
 * ```
 * @public
 */
export function makeOptimizer(config: OptimizerConfig): Optimizer {
  return match(config)
    .with({ type: 'SGD' }, ({ type: _, ...o }) => new SGD(o))
    .with({ type: 'Momentum' }, ({ type: _, ...o }) => new Momentum(o))
    .with({ type: 'Adam' }, ({ type: _, ...o }) => new Adam(o))
    .with({ type: 'Adafactor' }, ({ type: _, ...o }) => new Adafactor(o))
    .with({ type: 'RMSProp' }, ({ type: _, ...o }) => new RMSProp(o))
    .exhaustive();
}
