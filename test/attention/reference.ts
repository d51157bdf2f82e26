/**
 * A plain-JavaScript oracle for multi-head self-attention (float64 loops, no tfjs), against which the attention
 * layers are checked.
 */
import { tf } from '../../src/backend/tf.js';
import type { Layer } from '../../src/core/base.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { expectLayerGradientsMatch, randn } from '../layers/layer_checks.js';

export interface ReferenceOptions {
  nHeads: number;
  causal?: boolean;
  /** Keys are the length-normalised queries, and a token sees itself only when nothing else is available. */
  shareQk?: boolean;
  /** [B][L]: 1 = real token. */
  valid?: number[][];
}

type M = number[][];

function matrix(t: Tensor): M {
  return t.arraySync() as M;
}

function rowTimes(row: number[], w: M, from: number, to: number): number[] {
  const out: number[] = [];
  for (let j = from; j < to; j++) {
    let s = 0;
    for (let i = 0; i < row.length; i++) s += row[i]! * w[i]![j]!;
    out.push(s);
  }
  return out;
}

/** Full multi-head self-attention with weights `{ wq, wk?, wv, wo }` laid out as the efficient layers keep them. */
export function referenceSelfAttention(x: Tensor, weights: Weights, options: ReferenceOptions): number[][][] {
  const xs = x.arraySync() as number[][][];
  const wq = matrix(weights.wq as Tensor);
  const wk = weights.wk ? matrix(weights.wk as Tensor) : undefined;
  const wv = matrix(weights.wv as Tensor);
  const wo = matrix(weights.wo as Tensor);
  const H = options.nHeads;
  const dQk = wq[0]!.length / H;
  const dV = wv[0]!.length / H;
  const dModel = wo[0]!.length;
  return xs.map((seq, b) => {
    const L = seq.length;
    const out = seq.map(() => new Array<number>(dModel).fill(0));
    for (let h = 0; h < H; h++) {
      const q = seq.map((r) => rowTimes(r, wq, h * dQk, (h + 1) * dQk));
      const k = options.shareQk
        ? q.map((r) => {
            const rms = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / r.length + 1e-6);
            return r.map((v) => v / rms);
          })
        : seq.map((r) => rowTimes(r, wk!, h * dQk, (h + 1) * dQk));
      const v = seq.map((r) => rowTimes(r, wv, h * dV, (h + 1) * dV));
      for (let i = 0; i < L; i++) {
        const dots = k.map((kj, j) => {
          let s = 0;
          for (let t = 0; t < dQk; t++) s += q[i]![t]! * kj[t]!;
          s /= Math.sqrt(dQk);
          if (options.causal && j > i) s += -1e9;
          if (options.valid && !options.valid[b]![j]) s += -1e9;
          if (options.shareQk && i === j) s += -1e5;
          return s;
        });
        const max = Math.max(...dots);
        const e = dots.map((s) => Math.exp(s - max));
        const z = e.reduce((a, c) => a + c, 0);
        const o = new Array<number>(dV).fill(0);
        e.forEach((p, j) => v[j]!.forEach((vj, t) => (o[t] = o[t]! + (p / z) * vj)));
        for (let m = 0; m < dModel; m++) {
          let s = 0;
          for (let t = 0; t < dV; t++) s += o[t]! * wo[h * dV + t]![m]!;
          out[i]![m] = out[i]![m]! + s;
        }
      }
    }
    return out;
  });
}

/** The largest absolute difference between a tensor and nested arrays of the same shape. */
export function maxAbsDiff(actual: Tensor, expected: number[][][]): number {
  const a = actual.arraySync() as number[][][];
  let worst = 0;
  a.forEach((m, i) => m.forEach((r, j) => r.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - expected[i]![j]![k]!))))));
  return worst;
}

/** The largest absolute difference between two tensors of the same shape. */
export function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** A float32 `[B, L]` mask with the first `lengths[b]` positions real. */
export function lengthMask(lengths: number[], length: number): Tensor {
  return tf.tensor(
    lengths.flatMap((n) => Array.from({ length }, (_, i) => (i < n ? 1 : 0))),
    [lengths.length, length],
  );
}

/** Gradient checks of a self-attention layer on `[1, 5, 4]` inputs for each options object (with a length mask when `masked`). */
export function expectSelfAttentionGradients<O extends { masked?: boolean }>(make: (options: O) => Layer, optionsList: readonly O[]): void {
  const x = randn([1, 5, 4], 10);
  for (const options of optionsList) {
    const layer = make(options);
    const inputs = options.masked ? [x, lengthMask([4], 5)] : x;
    layer.init(Array.isArray(inputs) ? [shapeDtype([1, 5, 4]), shapeDtype([1, 5])] : shapeDtype([1, 5, 4]), { seed: 1 });
    expectLayerGradientsMatch(layer, inputs, { probes: 5 });
  }
}

/** Dropout of `layer` (built with dropout rates) changes outputs with the key in train mode, and not in eval mode. */
export function expectDropoutOnlyInTrain(layer: Layer): void {
  const x = randn([1, 8, 6], 11);
  layer.init(shapeDtype([1, 8, 6]));
  const at = (seed: number) => layer.pureFn(x, layer.weights, layer.state, makeKey(seed))[0] as Tensor;
  expect(maxDiff(at(1), at(1))).toBe(0);
  expect(maxDiff(at(1), at(2))).toBeGreaterThan(1e-4);
  layer.mode = 'eval';
  expect(maxDiff(at(1), at(2))).toBe(0);
}
