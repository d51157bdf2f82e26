/**
 * The weights a training step leaves alone: those of layers marked `trainable = false`.
 */
import { treeLeaves } from './tensor_tree.js';
import type { Layer } from './base.js';
import type { Tensor } from './types.js';

/**
 * The weight tensors of every layer in `layer`'s tree (itself included) whose `trainable` is false, with all of
 * their sublayers' weights. The training step passes them to the optimizer as frozen: they get no gradient and
 * no update (see `Optimizer.treeUpdate`).
 * @public
 */
export function nonTrainableWeights(layer: Layer): Tensor[] {
  if (!layer.trainable) return treeLeaves(layer.weights);
  const out: Tensor[] = [];
  for (const sub of layer.sublayers) out.push(...nonTrainableWeights(sub));
  return out;
}
