/**
 * Weights in and out of trax-ts in formats other engines read (browser-safe; the file helpers are in
 * `node_files.ts`): the safetensors format on bytes, tfjs tensors to and from it, and a model's weights by path.
 */
export {
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsContents,
  SAFETENSORS_DTYPE_BYTES,
  SafetensorsError,
  encodeSafetensors,
  decodeSafetensors,
} from './safetensors.js';
export { SAFETENSORS_DTYPE_OF, tensorsToSafetensors, tensorsFromSafetensors } from './safetensors_tensors.js';
export { exportSafetensors, importSafetensors, loadWeightsByPath } from './layer_safetensors.js';
