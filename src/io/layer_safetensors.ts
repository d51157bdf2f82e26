/**
 * A model's weights as a safetensors file, keyed by their path through the layer tree (see `namedTensors`), and
 * back (browser-safe). Any model: the paths are the same ones checkpoints use.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../layers/base.js';
import { disposeTree, namedTensors, treeFromNamed } from '../layers/tensor_tree.js';
import type { Tensor } from '../layers/types.js';
import { weightFitProblems } from '../layers/weight_fit.js';
import { SafetensorsError } from './safetensors.js';
import { tensorsFromSafetensors, tensorsToSafetensors } from './safetensors_tensors.js';

function checkInitialized(layer: Layer, what: string): void {
  if (!layer.initialized) {
    throw new SafetensorsError(`${what}: the layer ${layer.name} has no weights yet; call layer.init(inputSignature) first, so that its weight paths and shapes are known`);
  }
}

/**
 * The weights of an initialised layer as a safetensors file: one tensor per weight, named by its path
 * (`Serial/0/Dense_128/w`), with its tfjs dtype (`float32` as `F32`, `int32` as `I32`, `bool` as `BOOL`) and
 * shape, values bit for bit; a shared weight once, under the path where it is first reached. `metadata` (strings
 * only, as the format allows) goes to the file's `__metadata__`.
 *
 * @example
 * ```ts
 * const bytes = await exportSafetensors(model);      // Uint8Array: write it to a file, or upload it
 * importSafetensors(sameArchitecture, bytes);        // the weights are back, bit for bit
 * ```
 * @public
 */
export async function exportSafetensors(layer: Layer, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  checkInitialized(layer, 'exportSafetensors');
  return tensorsToSafetensors(namedTensors(layer), metadata);
}

/**
 * Replaces an initialised layer's weights by tensors keyed by weight path (see {@link exportSafetensors}): every
 * path of the layer must be there with its shape and dtype, and no other path. Otherwise nothing changes and a
 * {@link SafetensorsError} lists each mismatch with its path, both dtypes and both shapes (`source` names where the
 * tensors come from, for the message). On success the layer owns `named`'s tensors and its previous weights are
 * disposed; on failure the caller still owns `named`.
 * @public
 */
export function loadWeightsByPath(layer: Layer, named: ReadonlyMap<string, Tensor>, source = 'the file'): void {
  checkInitialized(layer, `loading ${source}`);
  const previous = layer.weights;
  const problems = weightFitProblems('weight', named, namedTensors(layer, previous), source);
  if (problems.length > 0) throw new SafetensorsError(`the weights of ${source} do not fit the model ${layer.name}:\n  ${problems.join('\n  ')}`);
  layer.weights = treeFromNamed(layer, previous, (p) => named.get(p)!);
  disposeTree(previous);
}

/**
 * Loads a safetensors file written by {@link exportSafetensors} (or by any tool, with the same names) into an
 * initialised layer of the same architecture: names, shapes and dtypes must match the layer's weight paths
 * exactly, or a {@link SafetensorsError} names each weight that does not fit, and the layer keeps its weights.
 * Returns the file's metadata.
 * @public
 */
export function importSafetensors(layer: Layer, bytes: Uint8Array): Record<string, string> {
  checkInitialized(layer, 'importSafetensors');
  const { tensors, metadata } = tensorsFromSafetensors(bytes);
  try {
    loadWeightsByPath(layer, tensors, 'the safetensors file');
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
  return metadata;
}
