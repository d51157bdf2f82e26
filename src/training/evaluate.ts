import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { State, Tensor, Weights } from '../core/types.js';
import { batchToTensors } from '../data/to_tensors.js';
import { type Key, splitKey } from '../rng/key.js';
import type { EvalTask } from './tasks.js';

/**
 * The metrics of one batch: the model runs once, then each metric on its outputs and the rest of the batch.
 * Returns plain numbers; no tensor survives.
 */
export function evaluateBatch(
  model: Layer,
  metrics: readonly Layer[],
  batch: readonly Tensor[],
  weights: Weights,
  state: State,
  rng: Key,
): number[] {
  const values = tf.tidy(() => {
    const [modelRng, ...metricRngs] = splitKey(rng, metrics.length + 1);
    const [outputs] = model.pureFn(fromList(batch.slice(0, model.nIn)), weights, state, modelRng!);
    const endInputs = [...toList(outputs, model.nOut, 'output'), ...batch.slice(model.nIn)];
    const scalars = metrics.map((m, i) => {
      const [value] = m.pureFn(fromList(endInputs.slice(0, m.nIn)), m.weights, m.state, metricRngs[i]!);
      return (value as Tensor).reshape([]);
    });
    return tf.stack(scalars);
  });
  const out = Array.from(values.dataSync());
  values.dispose();
  return out;
}

/**
 * The mean of each metric of an eval task over its `nEvalBatches` batches, with `model`'s weights and state run
 * through `evalModel` (the model itself is switched to mode eval for the while). `nextRng` gives each batch's key.
 */
export async function evalTaskMeans(evalTask: EvalTask, evalModel: Layer, model: Layer, nextRng: () => Key): Promise<number[]> {
  const sums = evalTask.metrics.map(() => 0);
  const switchMode = evalModel === model && model.mode !== 'eval';
  const previousMode = model.mode;
  if (switchMode) model.mode = 'eval';
  try {
    for (let b = 0; b < evalTask.nEvalBatches; b++) {
      const arrays = await evalTask.labeledData.next();
      const rng = nextRng();
      const batch = batchToTensors(arrays);
      try {
        const values = evaluateBatch(evalModel, evalTask.metrics, batch, model.weights, model.state, rng);
        values.forEach((v, m) => (sums[m]! += v));
      } finally {
        tf.dispose(batch);
      }
    }
  } finally {
    if (switchMode) model.mode = previousMode;
  }
  return sums.map((s) => s / evalTask.nEvalBatches);
}
