import { tf } from '../backend/tf.js';
import type { Layer } from '../layers/base.js';
import { fromList, toList } from '../layers/stack.js';
import type { State, Tensor, Weights } from '../layers/types.js';
import { type Key, splitKey } from '../rng/key.js';

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
