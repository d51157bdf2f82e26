import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';

/**
 * Picks rows of `table` (`[R, ...]`) by `index` (int32 `[n]`), with a gradient that is a gather too.
 *
 * tfjs's own gradient of `gather` needs `UnsortedSegmentSum`, which the wasm backend lacks, and is slow on cpu.
 * LSH attention only ever gathers with indices in which every table row appears exactly `k` times (`k = 1`: a
 * permutation; `k = nHashes`: one copy per hashing round), so the gradient is a gather by the inverse map:
 * `inverse` is int32 `[k, R]`, `inverse[r][row]` being the position in `index` of the `r`-th appearance of
 * `row`; the gradient of `table` is `sum_r dy[inverse[r]]`. Exact, and as fast as the forward gather.
 */
export function gatherRowsWithInverse(table: Tensor, index: Tensor, inverse: Tensor): Tensor {
  const k = inverse.shape[0];
  const rows = table.shape[0];
  if (index.rank !== 1 || inverse.rank !== 2 || inverse.shape[1] !== rows || index.shape[0] !== k * rows) {
    throw new Error(
      `gatherRowsWithInverse: expected index [${k * rows}] and inverse [k, ${rows}], got [${index.shape}] and [${inverse.shape}]`,
    );
  }
  const gatherOp = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as Tensor;
    const save = args[1] as (tensors: Tensor[]) => void;
    save([inverse]);
    return {
      value: tf.gather(x, index),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) =>
        tf.tidy(() => {
          const inv = saved[0]!;
          const g = tf.gather(dy as Tensor, inv.reshape([-1]));
          return k === 1 ? g : tf.sum(g.reshape([k, rows, ...table.shape.slice(1)]), 0);
        }),
    };
  });
  return gatherOp(table);
}

/** The inverse of a permutation given as int32 `[n]` (computed with `topk`, as tfjs has no argsort or scatter gradient). */
export function inversePermutation(permutation: Tensor): Tensor {
  return tf.tidy(() => {
    const n = permutation.shape[permutation.rank - 1]!;
    // Ascending sort of the permutation's values; the indices are where each value sits. Exact below 2^24.
    return tf.topk(tf.neg(tf.cast(permutation, 'float32')), n).indices;
  });
}
