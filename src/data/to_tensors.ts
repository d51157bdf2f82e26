import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import type { NDArray } from './ndarray.js';

/** A tensor holding a copy of an array's values. The caller owns (and disposes) it. @public */
export function toTensor(a: NDArray): Tensor {
  return tf.tensor(a.data, [...a.shape], a.dtype);
}

/** The tensors of a batch, in order. The caller owns (and disposes) them. @public */
export function batchToTensors(batch: readonly NDArray[]): Tensor[] {
  return batch.map(toTensor);
}
