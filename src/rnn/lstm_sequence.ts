/**
 * An LSTM over a whole sequence as one differentiable op with a hand-written backward pass (backpropagation through
 * time), for the `LSTM` layer on the backends where the recurrence kernels run (see
 * `src/backend/lstm_kernel.ts`).
 *
 * Forward: the input projection of every step in one product, `xw = x·w[:dIn] + b` (`[B·L, dIn]·[dIn, 4n]`), then the
 * recurrence kernel (per step only the `[B, n]·[n, 4n]` product with the recurrent kernel and the cell update).
 * Backward: the recurrence kernel walks back in time and gives the gradient `dz` of every step's pre-activations;
 * the rest are large products over all steps at once: `dx = dz·w[:dIn]ᵀ`, `dw[:dIn] = xᵀ·dz`,
 * `dw[dIn:] = h_prevᵀ·dz` (the outputs shifted one step, zeros first), `db = Σ dz`. Second derivatives are not
 * available.
 */
import { lstmBackwardKernel, lstmForwardKernel } from '../backend/fused/lstm_kernel.js';
import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';

type GradSave = (tensors: Tensor[]) => void;

const op = tf.customGrad(((x: Tensor, w: Tensor, b: Tensor, save: GradSave) => {
  const [batch, length, dIn] = x.shape as [number, number, number];
  const n = w.shape[1]! / 4;
  const wx = tf.slice(w, [0, 0], [dIn, 4 * n]);
  const wh = tf.slice(w, [dIn, 0], [n, 4 * n]);
  const rows = tf.reshape(x, [batch * length, dIn]);
  const xw = tf.reshape(tf.add(tf.matMul(rows, wx), b), [batch, length, 4 * n]);
  const [h, c, acts] = lstmForwardKernel(xw, wh);
  save([rows, wx, wh, h, c, acts]);
  return {
    value: h,
    gradFunc: (dh: Tensor, saved: Tensor[]) => {
      const [xRows, wxs, whs, hs, cs, as] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const dz = tf.reshape(lstmBackwardKernel(dh, as, cs, whs), [batch * length, 4 * n]);
      // Each step's previous output: h shifted one step along the sequence, zeros at the first step.
      const hPrev = tf.reshape(
        length > 1
          ? tf.pad(tf.slice(hs, [0, 0, 0], [batch, length - 1, n]), [
              [0, 0],
              [1, 0],
              [0, 0],
            ])
          : tf.zerosLike(hs),
        [batch * length, n],
      );
      const dw = tf.concat([tf.matMul(xRows, dz, true, false), tf.matMul(hPrev, dz, true, false)], 0);
      const dx = tf.reshape(tf.matMul(dz, wxs, false, true), [batch, length, dIn]);
      return [dx, dw, tf.sum(dz, 0)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * The outputs `h` (`[B, L, n]`) of an LSTM over `x: [B, L, dIn]` from a zero state, with the cell's kernel
 * `w: [dIn + n, 4n]` (input rows first, then recurrent rows; gate columns `[i | j | f | o]`) and bias `b: [4n]`: what
 * `Scan(LSTMCell(n))` computes, in one op. Check `lstmKernelsRun` first.
 * @internal
 */
export function lstmSequence(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return op(x, w, b);
}
