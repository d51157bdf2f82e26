/**
 * The recurrence of an LSTM over a whole sequence, forward and backward, as two kernels. Composed of tfjs ops, each
 * time step of an LSTM costs a dozen kernels forward (split, product, sigmoids, tanh, products, concat) and twice
 * as many backward, each on a `[batch, units]` slice: for the NER tagger's BiLSTM (batch 64, 64 units, about 22
 * steps each way) that was a third of a training step, almost all of it per-kernel overhead. Here one kernel call
 * runs every step: the product of the previous output with the recurrent kernel, then one pass of the cell update
 * (gates, memory, output) per step; the backward kernel walks back in time the same way and gives the gradient of
 * every step's pre-activations, from which the caller gets every weight's and the input's gradient in a few large
 * products (see `src/layers/lstm_sequence.ts`).
 *
 * Layout: batch-major, as the layer's input. `xw: [B, L, 4n]` holds each step's input projection plus bias,
 * `[i | j | f | o]` (input gate, candidate, forget gate, output gate, `n` values each), `wh: [n, 4n]` the recurrent
 * kernel. With `z_t = xw_t + h_{t-1}·wh` (`h_{-1} = 0`, `c_{-1} = 0`):
 * `c_t = σ(f) c_{t-1} + σ(i) tanh(j)`, `h_t = tanh(c_t) σ(o)`.
 *
 * On wasm with SIMD (Node; pages that are not cross-origin isolated) and `n` a multiple of 4, the products run on
 * the packed SIMD GEMM and the cell updates on the SIMD kernels of `simd/kernels.wat` (their sigmoid and tanh are
 * Cephes' single-precision formulas, within a few float32 ulps of `Math.exp`/`Math.tanh`), straight on the heap;
 * elsewhere on the host (cpu, other widths) plain loops. On other backends, or on wasm without SIMD,
 * `lstmKernelsRun` is false and the LSTM layer runs its cell step by step with tfjs ops.
 *
 * This module sits below `tf.ts`, so it imports tfjs-core directly.
 */
import { engine, getBackend, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { isHostBackend, registerHostKernel, withHostArrays } from './host_arrays.js';
import { type SimdKernels, simdKernels } from '../simd/simd_kernels.js';

/** Kernel names in tfjs's registry. @internal */
export const LSTM_FORWARD = 'TraxLstmForward';
/** @internal */
export const LSTM_BACKWARD = 'TraxLstmBackward';

/** The sizes of a sequence: batch, length, units. @internal */
export interface LstmDims {
  batch: number;
  length: number;
  units: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * The forward recurrence on host arrays (batch-major, see the module notes): writes the outputs `h` and memories
 * `c` (`[B, L, n]`) and the activated gates `acts = [σ(i) | tanh(j) | σ(f) | σ(o)]` (`[B, L, 4n]`).
 * @internal
 */
export function lstmForwardLoop(
  xw: Float32Array,
  wh: Float32Array,
  h: Float32Array,
  c: Float32Array,
  acts: Float32Array,
  { batch, length, units: n }: LstmDims,
): void {
  const z = new Float64Array(4 * n);
  for (let t = 0; t < length; t++) {
    for (let b = 0; b < batch; b++) {
      const row = b * length + t;
      const gates = row * 4 * n;
      for (let k = 0; k < 4 * n; k++) z[k] = 0;
      if (t > 0) {
        const prev = (row - 1) * n;
        for (let m = 0; m < n; m++) {
          const hm = h[prev + m]!;
          const w = m * 4 * n;
          for (let k = 0; k < 4 * n; k++) z[k] = z[k]! + hm * wh[w + k]!;
        }
      }
      for (let k = 0; k < n; k++) {
        const i = sigmoid(xw[gates + k]! + z[k]!);
        const j = Math.tanh(xw[gates + n + k]! + z[n + k]!);
        const f = sigmoid(xw[gates + 2 * n + k]! + z[2 * n + k]!);
        const o = sigmoid(xw[gates + 3 * n + k]! + z[3 * n + k]!);
        const cv = i * j + (t > 0 ? f * c[(row - 1) * n + k]! : 0);
        acts[gates + k] = i;
        acts[gates + n + k] = j;
        acts[gates + 2 * n + k] = f;
        acts[gates + 3 * n + k] = o;
        c[row * n + k] = cv;
        h[row * n + k] = Math.tanh(cv) * o;
      }
    }
  }
}

/**
 * The backward recurrence on host arrays: from the gradient `dh` reaching every output (`[B, L, n]`), the saved
 * `acts` and `c` of {@link lstmForwardLoop} and the recurrent kernel `wh`, the gradient `dz` of every step's
 * pre-activations `[i | j | f | o]` (`[B, L, 4n]`).
 * @internal
 */
export function lstmBackwardLoop(
  dh: Float32Array,
  acts: Float32Array,
  c: Float32Array,
  wh: Float32Array,
  dz: Float32Array,
  { batch, length, units: n }: LstmDims,
): void {
  const dhRec = new Float32Array(batch * n); // what step t + 1 sends back to h_t
  const dcCarry = new Float32Array(batch * n); // what step t + 1 sends back to c_t
  for (let t = length - 1; t >= 0; t--) {
    const hasNext = t < length - 1;
    for (let b = 0; b < batch; b++) {
      const row = b * length + t;
      const gates = row * 4 * n;
      for (let k = 0; k < n; k++) {
        const i = acts[gates + k]!;
        const j = acts[gates + n + k]!;
        const f = acts[gates + 2 * n + k]!;
        const o = acts[gates + 3 * n + k]!;
        const tc = Math.tanh(c[row * n + k]!);
        const dhv = dh[row * n + k]! + (hasNext ? dhRec[b * n + k]! : 0);
        const dc = dhv * o * (1 - tc * tc) + (hasNext ? dcCarry[b * n + k]! : 0);
        dz[gates + k] = dc * j * i * (1 - i);
        dz[gates + n + k] = dc * i * (1 - j * j);
        dz[gates + 2 * n + k] = t > 0 ? dc * c[(row - 1) * n + k]! * f * (1 - f) : 0;
        dz[gates + 3 * n + k] = dhv * tc * o * (1 - o);
        dcCarry[b * n + k] = dc * f;
      }
    }
    if (t === 0) break;
    for (let b = 0; b < batch; b++) {
      const gates = (b * length + t) * 4 * n;
      for (let m = 0; m < n; m++) {
        let s = 0;
        const w = m * 4 * n;
        for (let k = 0; k < 4 * n; k++) s += dz[gates + k]! * wh[w + k]!;
        dhRec[b * n + m] = s;
      }
    }
  }
}

/** Floats of scratch memory the SIMD GEMM packs a `[M, K]·[K, N]` product's operands into. */
function gemmScratchFloats(N: number, K: number): number {
  return (Math.ceil(N / 8) * 8 + 4) * K;
}

interface Disposer {
  disposeData(dataId: object): void;
}

/** The SIMD kernels when this call can use them (wasm with SIMD, `n` a multiple of 4), else undefined. */
function simdFor(backendName: string, backend: object, units: number): SimdKernels | undefined {
  return backendName === 'wasm' && units % 4 === 0 ? simdKernels(backend) : undefined;
}

function registerLstmKernels(): void {
  registerHostKernel(LSTM_FORWARD, (backendName) => ({ inputs, backend }) => {
    const { xw, wh } = inputs as Record<'xw' | 'wh', TensorInfo>;
    const [batch, length, four] = xw.shape as [number, number, number];
    const dims = { batch, length, units: four / 4 };
    const n = dims.units;
    const simd = simdFor(backendName, backend, n);
    const shapes = [
      [batch, length, n],
      [batch, length, n],
      [batch, length, 4 * n],
    ];
    // On wasm, two scratch buffers after the outputs: the recurrent product [B, 4n] and the GEMM's packing.
    if (simd) shapes.push([batch, 4 * n], [gemmScratchFloats(4 * n, n)]);
    const out = withHostArrays(backendName, backend, [xw, wh], shapes, ([x, w], [h, c, acts, zh, scratch]) => {
      if (!simd) return lstmForwardLoop(x!, w!, h!, c!, acts!, dims);
      const [px, pw, ph, pc, pa, pz, ps] = [x!, w!, h!, c!, acts!, zh!, scratch!].map((a) => a.byteOffset);
      const [rowH, rowZ] = [length * n * 4, length * 4 * n * 4];
      for (let t = 0; t < length; t++) {
        // zh = h_{t-1}·wh: rows of h_{t-1} lie L·n floats apart.
        if (t > 0) simd.gemm(ph! + (t - 1) * n * 4, pw!, pz!, batch, 4 * n, n, length * n, 1, 4 * n, 1, ps!);
        const prevC = t > 0 ? pc! + (t - 1) * n * 4 : pc!;
        simd.lstm_cell(
          px! + t * 16 * n,
          pz!,
          prevC,
          pa! + t * 16 * n,
          pc! + t * n * 4,
          ph! + t * n * 4,
          batch,
          n / 4,
          rowZ,
          16 * n,
          rowH,
          t > 0 ? 1 : 0,
        );
      }
    });
    for (const scratch of out.slice(3)) (backend as unknown as Disposer).disposeData(scratch.dataId);
    return out.slice(0, 3);
  });
  registerHostKernel(LSTM_BACKWARD, (backendName) => ({ inputs, backend }) => {
    const { dh, acts, c, wh } = inputs as Record<'dh' | 'acts' | 'c' | 'wh', TensorInfo>;
    const [batch, length, n] = dh.shape as [number, number, number];
    const dims = { batch, length, units: n };
    const simd = simdFor(backendName, backend, n);
    const shapes = [[batch, length, 4 * n]];
    // On wasm, scratch after the output: what step t + 1 sends back to h_t and to c_t ([B, n] each), the GEMM's packing.
    if (simd) shapes.push([batch, n], [batch, n], [gemmScratchFloats(n, 4 * n)]);
    const out = withHostArrays(backendName, backend, [dh, acts, c, wh], shapes, ([d, a, cs, w], [dz, dhRec, dcCarry, scratch]) => {
      if (!simd) return lstmBackwardLoop(d!, a!, cs!, w!, dz!, dims);
      const [pd, pa, pc, pw, pz, pr, pk, ps] = [d!, a!, cs!, w!, dz!, dhRec!, dcCarry!, scratch!].map((x) => x.byteOffset);
      const [rowC, rowA] = [length * n * 4, length * 4 * n * 4];
      for (let t = length - 1; t >= 0; t--) {
        const prevC = t > 0 ? pc! + (t - 1) * n * 4 : pc!;
        simd.lstm_cell_grad(
          pd! + t * n * 4,
          pr!,
          pa! + t * 16 * n,
          pc! + t * n * 4,
          prevC,
          pk!,
          pz! + t * 16 * n,
          batch,
          n / 4,
          rowA,
          rowC,
          n * 4,
          t > 0 ? 1 : 0,
          t < length - 1 ? 1 : 0,
        );
        // dhRec = dz_t·whᵀ: rows of dz_t lie L·4n floats apart; whᵀ is read by strides.
        if (t > 0) simd.gemm(pz! + t * 16 * n, pw!, pr!, batch, n, 4 * n, length * 4 * n, 1, 1, 4 * n, ps!);
      }
    });
    for (const scratch of out.slice(1)) (backend as unknown as Disposer).disposeData(scratch.dataId);
    return out.slice(0, 1);
  });
}

/**
 * Whether the kernels run on the active backend: cpu, or wasm with its SIMD kernels, with float32 inputs. Otherwise
 * the LSTM runs its cell step by step in tfjs ops. @internal
 */
export function lstmKernelsRun(...tensors: Tensor[]): boolean {
  const name = getBackend();
  if (!isHostBackend(name) || !tensors.every((t) => t.dtype === 'float32')) return false;
  return name === 'cpu' || simdKernels(engine().backend) !== undefined;
}

/**
 * `[h, c, acts]` of the recurrence over `xw: [B, L, 4n]` (each step's input projection plus bias) with the recurrent
 * kernel `wh: [n, 4n]`: outputs and memories `[B, L, n]`, activated gates `[B, L, 4n]` (saved for the backward
 * kernel). Check {@link lstmKernelsRun} first. Not differentiable by itself (see `lstmSequence`).
 * @internal
 */
export function lstmForwardKernel(xw: Tensor, wh: Tensor): [Tensor, Tensor, Tensor] {
  registerLstmKernels();
  return engine().runKernel(LSTM_FORWARD, { xw, wh }, {}) as unknown as [Tensor, Tensor, Tensor];
}

/**
 * The gradient `dz: [B, L, 4n]` of every step's pre-activations, from the gradient `dh: [B, L, n]` reaching the
 * outputs and the forward kernel's `acts` and `c`. Check {@link lstmKernelsRun} first.
 * @internal
 */
export function lstmBackwardKernel(dh: Tensor, acts: Tensor, c: Tensor, wh: Tensor): Tensor {
  registerLstmKernels();
  return (engine().runKernel(LSTM_BACKWARD, { dh, acts, c, wh }, {}) as unknown as Tensor[])[0]!;
}
