/**
 * The CRF loss computed on the host: the same layer, weights and values as `CrfLoss`, several times faster on
 * wasm for tagging-sized inputs.
 *
 * `CrfLoss` runs the forward algorithm as a loop of small tensor ops (a few per position, twice as many in the
 * backward pass), each costing a kernel launch; at a batch of 2,048 positions and 17 tags that was about 40 ms of a
 * 330 ms training step on wasm. Here the emissions (`B·L·T` floats) are read to the host once, and the loss and its
 * exact gradients come from a scaled forward-backward pass in JavaScript (about 3·T² multiply-adds per position, a
 * few milliseconds): `d loss / d emissions = (marginals - gold one-hot) · mask / total`, the transition gradient
 * the expected minus the gold pair counts, likewise for the start and end scores.
 */
import { tf } from '../backend/tf.js';
import { CrfLossLayer } from './crf.js';
import { toList } from '../core/stack.js';
import type { Stack, State, Tensor, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';

type GradSave = (tensors: Tensor[]) => void;

interface CrfBatch {
  b: number;
  l: number;
  t: number;
  tags: Int32Array;
  /** Weighted tokens per row (one contiguous run). */
  lengths: Int32Array;
  /** The position of each row's first weighted token (0 unless the row is a context window). */
  starts: Int32Array;
  /** Sum of the weights (the loss's divisor). */
  total: number;
}

/** Loss (sum over rows of log Z - gold score) and, when `grads` is given, its gradients (not yet divided). */
function forwardBackward(
  batch: CrfBatch,
  e: Float32Array,
  a: Float32Array,
  start: Float32Array,
  end: Float32Array,
  grads?: { e: Float64Array; a: Float64Array; start: Float64Array; end: Float64Array },
): number {
  const { b: nRows, l: length, t: n, tags, lengths, starts } = batch;
  let aMax = -Infinity;
  for (let i = 0; i < n * n; i++) aMax = Math.max(aMax, a[i]!);
  const eA = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) eA[i] = Math.exp(a[i]! - aMax);
  let endMax = -Infinity;
  for (let j = 0; j < n; j++) endMax = Math.max(endMax, end[j]!);
  const eEnd = Float64Array.from(end, (v) => Math.exp(v - endMax));
  const alpha = new Float64Array(length * n);
  const beta = new Float64Array(length * n);
  const eE = new Float64Array(length * n); // exp(E_t - c_t)
  const u = new Float64Array(n);
  let loss = 0;
  for (let r = 0; r < nRows; r++) {
    const len = lengths[r]!;
    if (len === 0) continue;
    const first = r * length + starts[r]!;
    const row = first * n;
    const y = (t: number): number => tags[first + t]!;
    // Emission factors, shifted per position.
    let logScale = 0;
    for (let t = 0; t < len; t++) {
      let c = -Infinity;
      for (let j = 0; j < n; j++) c = Math.max(c, e[row + t * n + j]!);
      for (let j = 0; j < n; j++) eE[t * n + j] = Math.exp(e[row + t * n + j]! - c);
      logScale += c;
    }
    // Forward, normalised per position.
    let c0 = -Infinity;
    for (let j = 0; j < n; j++) c0 = Math.max(c0, start[j]!);
    let s = 0;
    for (let j = 0; j < n; j++) s += alpha[j] = Math.exp(start[j]! - c0) * eE[j]!;
    for (let j = 0; j < n; j++) alpha[j]! /= s;
    logScale += c0 + Math.log(s);
    for (let t = 1; t < len; t++) {
      s = 0;
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += alpha[(t - 1) * n + i]! * eA[i * n + j]!;
        s += alpha[t * n + j] = sum * eE[t * n + j]!;
      }
      for (let j = 0; j < n; j++) alpha[t * n + j]! /= s;
      logScale += aMax + Math.log(s);
    }
    let z = 0;
    for (let j = 0; j < n; j++) z += alpha[(len - 1) * n + j]! * eEnd[j]!;
    const logZ = logScale + endMax + Math.log(z);
    let gold = start[y(0)]! + end[y(len - 1)]!;
    for (let t = 0; t < len; t++) gold += e[row + t * n + y(t)]!;
    for (let t = 1; t < len; t++) gold += a[y(t - 1) * n + y(t)]!;
    loss += logZ - gold;
    if (!grads) continue;

    // Backward, normalised per position (only ratios matter for the marginals).
    for (let i = 0; i < n; i++) beta[(len - 1) * n + i] = eEnd[i]!;
    for (let t = len - 2; t >= 0; t--) {
      for (let j = 0; j < n; j++) u[j] = eE[(t + 1) * n + j]! * beta[(t + 1) * n + j]!;
      s = 0;
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += eA[i * n + j]! * u[j]!;
        s += beta[t * n + i] = sum;
      }
      for (let i = 0; i < n; i++) beta[t * n + i]! /= s;
    }
    // Token marginals, and the gradients of emissions, start and end.
    for (let t = 0; t < len; t++) {
      let norm = 0;
      for (let j = 0; j < n; j++) norm += alpha[t * n + j]! * beta[t * n + j]!;
      for (let j = 0; j < n; j++) {
        const p = (alpha[t * n + j]! * beta[t * n + j]!) / norm;
        grads.e[row + t * n + j] = p - (y(t) === j ? 1 : 0);
        if (t === 0) grads.start[j]! += p;
        if (t === len - 1) grads.end[j]! += p;
      }
    }
    grads.start[y(0)]! -= 1;
    grads.end[y(len - 1)]! -= 1;
    // Pair marginals p(y_{t-1} = i, y_t = j), and the transition gradient.
    for (let t = 1; t < len; t++) {
      for (let j = 0; j < n; j++) u[j] = eE[t * n + j]! * beta[t * n + j]!;
      let norm = 0;
      for (let i = 0; i < n; i++) {
        const ai = alpha[(t - 1) * n + i]!;
        for (let j = 0; j < n; j++) norm += ai * eA[i * n + j]! * u[j]!;
      }
      for (let i = 0; i < n; i++) {
        const ai = alpha[(t - 1) * n + i]! / norm;
        for (let j = 0; j < n; j++) grads.a[i * n + j]! += ai * eA[i * n + j]! * u[j]!;
      }
      grads.a[y(t - 1) * n + y(t)]! -= 1;
    }
  }
  return loss;
}

/**
 * `CrfLoss(nTags)` computed on the host (see the module notes): same name (`CrfLoss_<nTags>`), weights
 * (`transitions`, `start`, `end`), inputs (emissions `[B, L, T]`, int32 tags `[B, L]`, weights `[B, L]`) and value,
 * with exact gradients. Weights are read as 0 (not scored) or not 0 (a scored token); the loss is divided by the
 * sum of the weights, as `CrfLoss` does. The scored tokens of a row must be one contiguous run: at the start of
 * the row (padding after it), as `CrfLoss` takes them, or, beyond `CrfLoss`, anywhere in the row (a context
 * window's target sentence, context weighted 0 on both sides): the row's CRF is then the run's alone, so the
 * emissions and tags outside it do not change the loss and get zero gradient.
 * @public
 */
export class FastCrfLossLayer extends CrfLossLayer {
  /**
   * `CrfLoss`'s value, with the forward-backward pass in float64 on the host inside one custom gradient that gives
   * the exact gradients.
   */
  protected override forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const [emissions, tags, mask] = toList(inputs, 3, 'input') as [Tensor, Tensor, Tensor];
    const [b, l, t] = emissions.shape as [number, number, number];
    if (emissions.rank !== 3 || t !== this.nTags)
      throw new Error(`${this.name}: emissions must be [batch, length, ${this.nTags}], got [${emissions.shape}]`);
    for (const [what, x] of [
      ['tags', tags],
      ['weights', mask],
    ] as const) {
      if (x.rank !== 2 || x.shape[0] !== b || x.shape[1] !== l)
        throw new Error(`${this.name}: ${what} must be [${b}, ${l}] to match emissions [${emissions.shape}], got [${x.shape}]`);
    }
    if (tags.dtype !== 'int32') throw new Error(`${this.name}: tags must be int32, got ${tags.dtype}`);
    const tagValues = tags.dataSync() as Int32Array;
    const maskValues = mask.dataSync();
    const lengths = new Int32Array(b);
    const starts = new Int32Array(b);
    let total = 0;
    for (let r = 0; r < b; r++) {
      let len = 0;
      let first = -1;
      for (let p = 0; p < l; p++) {
        const w = maskValues[r * l + p]!;
        total += w;
        if (w !== 0) {
          if (first < 0) first = p;
          if (first + len !== p)
            throw new Error(
              `${this.name}: row ${r} has a scored token at ${p} after a gap; the scored (nonzero-weight) tokens of a row must be one contiguous run`,
            );
          len++;
        }
      }
      lengths[r] = len;
      starts[r] = Math.max(first, 0);
    }
    for (let i = 0; i < tagValues.length; i++) {
      if (maskValues[i] !== 0 && !(tagValues[i]! >= 0 && tagValues[i]! < t))
        throw new Error(`${this.name}: tag ${tagValues[i]} is outside [0, ${t})`);
    }
    const batch: CrfBatch = { b, l, t, tags: tagValues, lengths, starts, total: Math.max(total, 1e-9) };
    const op = tf.customGrad(((em: Tensor, tr: Tensor, st: Tensor, en: Tensor, save: GradSave) => {
      save([]);
      const arrays = [em, tr, st, en].map((x) => x.dataSync() as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
      const grads = { e: new Float64Array(em.size), a: new Float64Array(t * t), start: new Float64Array(t), end: new Float64Array(t) };
      const loss = forwardBackward(batch, ...arrays, grads);
      return {
        value: tf.scalar(loss / batch.total),
        gradFunc: (dy: Tensor) => {
          const scale = (dy.dataSync()[0] ?? 1) / batch.total;
          const scaled = (g: Float64Array): Float32Array => {
            // A plain loop: Float32Array.from with a map function is several times slower on these sizes.
            const out = new Float32Array(g.length);
            for (let i = 0; i < g.length; i++) out[i] = g[i]! * scale;
            return out;
          };
          return [
            tf.tensor(scaled(grads.e), [b, l, t]),
            tf.tensor(scaled(grads.a), [t, t]),
            tf.tensor(scaled(grads.start), [t]),
            tf.tensor(scaled(grads.end), [t]),
          ];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const w = weights as Record<string, Tensor>;
    return [op(emissions, w['transitions']!, w['start']!, w['end']!), state];
  }
}

/** The host-computed CRF loss for `nTags` tags (see {@link FastCrfLossLayer}). @public */
export function FastCrfLoss(nTags: number): FastCrfLossLayer {
  return new FastCrfLossLayer(nTags);
}
