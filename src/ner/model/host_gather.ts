/**
 * Row lookups in small tables done on the host: on wasm, `GatherV2` is slow (about 40 M floats/s), so gathering
 * a few thousand rows of 128 floats costs several milliseconds, while copying them in JavaScript from a table of
 * a few hundred rows costs a fraction of one. The gradient scatter-adds on the host the same way.
 */
import { tf } from '../../backend/tf.js';
import type { Tensor } from '../../layers/types.js';

type GradSave = (tensors: Tensor[]) => void;

/**
 * Rows `index[i]` of a small `[V, D]` table, as `[index.length, D]`, with the exact gradient (rows of repeated
 * indices sum). The indices are plain numbers, checked against the table (an error names a bad one). Meant for
 * tables small enough to read back every call (word shapes, per-batch word vectors), not for a vocabulary-sized
 * embedding.
 * @public
 */
export function hostGatherRows(table: Tensor, index: Int32Array): Tensor {
  if (table.rank !== 2) throw new RangeError(`hostGatherRows: the table must be 2-D, got [${table.shape}]`);
  const [rows, d] = table.shape as [number, number];
  for (let i = 0; i < index.length; i++) {
    const r = index[i]!;
    if (!(r >= 0 && r < rows)) throw new RangeError(`hostGatherRows: index ${r} (at ${i}) is outside the table's ${rows} rows`);
  }
  const op = tf.customGrad(((t: Tensor, save: GradSave) => {
    save([]);
    const values = t.dataSync() as Float32Array;
    const out = new Float32Array(index.length * d);
    for (let i = 0; i < index.length; i++) out.set(values.subarray(index[i]! * d, index[i]! * d + d), i * d);
    return {
      value: tf.tensor2d(out, [index.length, d]),
      gradFunc: (dy: Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const grad = new Float32Array(rows * d);
        for (let i = 0; i < index.length; i++) {
          const base = index[i]! * d;
          const from = i * d;
          for (let j = 0; j < d; j++) grad[base + j] += g[from + j]!;
        }
        return [tf.tensor2d(grad, [rows, d])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: Tensor) => Tensor;
  return op(table);
}
