/**
 * A model's weights as a safetensors file, keyed by their path through the layer tree (see `namedTensors`), and
 * back (browser-safe). Any model: the paths are the same ones checkpoints use.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { loadNamedWeights } from '../core/load_named_weights.js';
import { namedTensors } from '../core/named_tensors.js';
import type { Tensor } from '../core/types.js';
import { SafetensorsError } from './safetensors.js';
import { tensorsFromSafetensors, tensorsToSafetensors } from './safetensors_tensors.js';

function checkInitialized(layer: Layer, what: string): void {
  if (!layer.initialized) {
    throw new SafetensorsError(
      `${what}: the layer ${layer.name} has no weights yet; call layer.init(inputSignature) first, so that its weight paths and shapes are known`,
    );
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
 * {@link loadNamedWeights} with an exact fit and a {@link SafetensorsError} on a misfit (`source` names where the
 * tensors come from, for the message). On success the layer owns `named`'s tensors and its previous weights are
 * disposed; on failure the caller still owns `named`.
 * @deprecated Use {@link loadNamedWeights} (`{ source, error: (m) => new SafetensorsError(m) }`), the one loader of
 * weights by path.
 * @public
 */
export function loadWeightsByPath(layer: Layer, named: ReadonlyMap<string, Tensor>, source = 'the file'): void {
  loadNamedWeights(layer, named, { source, error: (message) => new SafetensorsError(message) });
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
    loadNamedWeights(layer, tensors, { source: 'the safetensors file', error: (message) => new SafetensorsError(message) });
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
  return metadata;
}
