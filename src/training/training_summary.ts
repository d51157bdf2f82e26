/**
 * What the loop logs and records of training at an evaluation step: the number of trainable weights (at step 1),
 * the steps run and their time, and per train task the means since the last evaluation of the loss and the norms,
 * with the learning rate.
 */
import type { Layer } from '../core/base.js';
import { nonTrainableWeights } from '../core/non_trainable.js';
import { treeLeaves } from '../core/tensor_tree.js';
import type { MetricRecord } from './history.js';
import type { TrainingAccumulator } from './loop_checkpoint.js';
import { metricLine } from './step_log.js';
import type { TrainTask } from './tasks.js';

/** Sums of nothing yet. */
export const freshAccumulator = (): TrainingAccumulator => ({ steps: 0, loss: 0, gradientsL2: 0, weightsL2: 0 });

/** Adds a step's loss and norms to a task's sums. */
export function accumulate(acc: TrainingAccumulator, step: { loss: number; gradientsL2: number; weightsL2: number }): void {
  acc.steps++;
  acc.loss += step.loss;
  acc.gradientsL2 += step.gradientsL2;
  acc.weightsL2 += step.weightsL2;
}

/** The log lines (without the step prefix) and the records (with their key in the evaluation event, if any). */
export interface TrainingSummary {
  lines: string[];
  records: Array<MetricRecord & { key?: string }>;
}

export function trainingSummary(
  step: number,
  model: Layer,
  tasks: readonly TrainTask[],
  accumulators: readonly TrainingAccumulator[],
  seconds: number,
  nameWidth: number,
): TrainingSummary {
  const lines: string[] = [];
  const records: TrainingSummary['records'] = [];
  if (step === 1) {
    const frozen = new Set(nonTrainableWeights(model));
    const total = treeLeaves(model.weights)
      .filter((t) => !frozen.has(t))
      .reduce((n, t) => n + t.size, 0);
    const fixed = [...frozen].reduce((n, t) => n + t.size, 0);
    lines.push(`Total number of trainable weights: ${total}${fixed > 0 ? ` (and ${fixed} non-trainable)` : ''}`);
  }
  const ran = accumulators.reduce((n, a) => n + a.steps, 0);
  lines.push(`Ran ${ran} train steps in ${seconds.toFixed(2)} secs`);
  for (const [i, task] of tasks.entries()) {
    const acc = accumulators[i]!;
    if (acc.steps === 0) continue;
    const suffix = tasks.length > 1 ? `/${i}` : '';
    const loss = acc.loss / acc.steps;
    lines.push(metricLine('train', task.lossName, loss, nameWidth));
    records.push({ step, mode: 'train', task: i, name: task.lossName, value: loss, key: `train/${task.lossName}${suffix}` });
    records.push({ step, mode: 'train', task: i, name: 'learning_rate', value: task.learningRate(step) });
    records.push({ step, mode: 'train', task: i, name: 'gradients_l2', value: acc.gradientsL2 / acc.steps });
    records.push({ step, mode: 'train', task: i, name: 'weights_l2', value: acc.weightsL2 / acc.steps });
  }
  return { lines, records };
}
