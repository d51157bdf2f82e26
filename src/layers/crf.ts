import { tf } from '../backend/tf.js';
import { type Key, splitKey } from '../rng/key.js';
import { uniform } from '../rng/random.js';
import { Layer } from '../core/base.js';
import { toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';

/**
 * The negative log-likelihood of a linear-chain conditional random field, as a loss layer.
 *
 * A CRF scores a whole tag sequence: the sum of each token's emission score for its tag plus a learned transition
 * score for each pair of neighbouring tags (and for the first and last tag), normalised over all sequences by the
 * forward algorithm. It takes three items, like every trax-ts loss: emission scores `[B, L, T]` (a model ending in
 * `Dense(T)`, no softmax), gold tags `int32 [B, L]` and weights `[B, L]` (1 on real tokens, 0 on padding; real
 * tokens must come first in each row). It gives the summed negative log-likelihood divided by the total weight, so
 * that its scale matches a per-token cross-entropy. Its weights are the transition scores
 * `{ transitions: [T, T], start: [T], end: [T] }`; decode with {@link viterbiDecode} using the same weights.
 * @public
 */
export class CrfLossLayer extends Layer {
  constructor(
    /** The number of tags: the emissions' last axis and the size of the transition matrix. */
    readonly nTags: number,
  ) {
    if (!Number.isInteger(nTags) || nTags < 1) throw new RangeError(`CrfLoss: nTags must be a positive integer, got ${nTags}`);
    super({ nIn: 3, nOut: 1, name: `CrfLoss_${nTags}` });
  }

  /**
   * The layer's transition scores read to the host, for decoding with {@link viterbiDecode} (a tagger's CRF): the
   * `transitions` row-major flat, `start` and `end`. The layer must be initialised (or have loaded its weights).
   */
  crfParameters(): CrfParameters {
    if (!this.initialized) throw new Error(`${this.name}: crfParameters() needs the layer's weights; call init or load them first`);
    const read = (name: string): Float32Array => (this.weights as Record<string, Tensor>)[name]!.dataSync() as Float32Array;
    return { transitions: read('transitions'), start: read('start'), end: read('end') };
  }

  /** `transitions` (`[nTags, nTags]`, from tag `i` to tag `j`), `start` and `end` (`[nTags]`), uniform in ±0.1. */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    this.check(signature);
    const [a, b, c] = splitKey(rng, 3);
    const t = this.nTags;
    return {
      weights: { transitions: uniform(a!, [t, t], -0.1, 0.1), start: uniform(b!, [t], -0.1, 0.1), end: uniform(c!, [t], -0.1, 0.1) },
      state: {},
    };
  }

  /** A float32 scalar, after checking emissions `[B, L, nTags]`, int32 tags `[B, L]` and weights `[B, L]`. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    this.check(signature);
    return { shape: [], dtype: 'float32' };
  }

  private check(signature: readonly ShapeDtype[]): void {
    const [emissions, tags, weights] = signature as [ShapeDtype, ShapeDtype, ShapeDtype];
    const [b, l, t] = emissions.shape;
    if (emissions.shape.length !== 3 || t !== this.nTags) {
      throw new Error(`${this.name}: emissions must be [batch, length, ${this.nTags}], got [${emissions.shape}]`);
    }
    for (const [what, s] of [
      ['tags', tags],
      ['weights', weights],
    ] as const) {
      if (s.shape.length !== 2 || s.shape[0] !== b || s.shape[1] !== l) {
        throw new Error(`${this.name}: ${what} must be [${b}, ${l}] to match emissions [${emissions.shape}], got [${s.shape}]`);
      }
    }
    if (tags.dtype !== 'int32') throw new Error(`${this.name}: tags must be int32, got ${tags.dtype}`);
  }

  /**
   * The negative log-likelihood of the gold tags, `log Z - score(gold)`, summed over the batch and divided by the
   * number of unmasked positions.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const [emissions, tags, mask] = toList(inputs, 3, 'input') as [Tensor, Tensor, Tensor];
    this.check([emissions, tags, mask]);
    const transitions = weights['transitions'] as Tensor;
    const start = weights['start'] as Tensor;
    const end = weights['end'] as Tensor;
    const m = mask.toFloat();
    const logZ = logPartition(emissions, m, transitions, start, end);
    const gold = goldScore(emissions, tags, m, transitions, start, end);
    const total = tf.maximum(m.sum(), 1e-9);
    return [logZ.sub(gold).sum().div(total), state];
  }
}

/** The CRF loss layer for `nTags` tags (see {@link CrfLossLayer}). @public */
export function CrfLoss(nTags: number): CrfLossLayer {
  return new CrfLossLayer(nTags);
}

type GradSave = (tensors: Tensor[]) => void;

/**
 * `log(sum(exp(x)))` over the last axis (dropped), with its gradient `softmax(x)` written out. tfjs's own
 * `logSumExp` differentiates through its `max` shift, a broadcasting `Equal` that is very slow on wasm (it was most
 * of a CRF training step there); the values are the same.
 */
const logSumExpLast: (x: Tensor) => Tensor = tf.customGrad(((x: Tensor, save: GradSave) => {
  const shift = tf.max(x, -1, true);
  const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, shift)), -1, true)), shift);
  save([x, lse]);
  return {
    value: tf.squeeze(lse, [-1]),
    gradFunc: (dy: Tensor, saved: Tensor[]) => [tf.mul(tf.expandDims(dy, -1), tf.exp(tf.sub(saved[0]!, saved[1]!)))],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** log Z per sequence [B] by the forward algorithm; masked steps keep the previous forward scores. */
function logPartition(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor): Tensor {
  const steps = tf.unstack(emissions, 1);
  const maskSteps = tf.unstack(mask, 1);
  const transposed = tf.transpose(transitions); // [j, i]
  let alpha = tf.add(start, steps[0]!);
  for (let t = 1; t < steps.length; t++) {
    // alpha[b, j] = logsumexp_i(alpha[b, i] + A[i, j]) + E[b, t, j]
    const next = logSumExpLast(tf.add(alpha.expandDims(1), transposed)).add(steps[t]!);
    const keep = maskSteps[t]!.expandDims(1);
    alpha = tf.add(tf.mul(next, keep), tf.mul(alpha, tf.sub(1, keep)));
  }
  return logSumExpLast(tf.add(alpha, end)).mul(tf.minimum(mask.sum(1), 1));
}

/** The score of the gold tag sequence per sequence [B]. */
function goldScore(emissions: Tensor, tags: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor): Tensor {
  const nTags = emissions.shape[2]!;
  const oneHot = tf.oneHot(tags, nTags).toFloat(); // [B, L, T]
  const emitted = emissions.mul(oneHot).sum(2).mul(mask).sum(1);
  const length = emissions.shape[1]!;
  const first = oneHot.slice([0, 0, 0], [-1, 1, -1]).squeeze([1]);
  const begin = first
    .mul(start)
    .sum(1)
    .mul(mask.slice([0, 0], [-1, 1]).squeeze([1]));
  // last real token: mask[t] = 1 and mask[t + 1] = 0
  const nextMask = tf.concat([mask.slice([0, 1], [-1, length - 1]), tf.zeros([mask.shape[0], 1])], 1);
  const isLast = mask.sub(nextMask).relu();
  const finish = oneHot.mul(end).sum(2).mul(isLast).sum(1);
  if (length === 1) return emitted.add(begin).add(finish);
  const prev = oneHot.slice([0, 0, 0], [-1, length - 1, -1]).reshape([-1, nTags]);
  const cur = oneHot.slice([0, 1, 0], [-1, length - 1, -1]).reshape([-1, nTags]);
  const pairScores = tf
    .matMul(prev, transitions)
    .mul(cur)
    .sum(1)
    .reshape([-1, length - 1]);
  const moved = pairScores.mul(mask.slice([0, 1], [-1, length - 1])).sum(1);
  return emitted.add(begin).add(finish).add(moved);
}

/** CRF transition scores as plain arrays, for decoding on the host. @public */
export interface CrfParameters {
  /** Transition scores `[nTags, nTags]` from tag `i` to tag `j`, row-major flat or nested. */
  readonly transitions: Float32Array | number[][];
  /** The score of starting a sentence with each tag. */
  readonly start: ArrayLike<number>;
  /** The score of ending a sentence with each tag. */
  readonly end: ArrayLike<number>;
}

function transitionAt(p: CrfParameters, nTags: number): (i: number, j: number) => number {
  const t = p.transitions;
  return Array.isArray(t) ? (i, j) => t[i]![j]! : (i, j) => t[i * nTags + j]!;
}

/**
 * The highest-scoring tag sequence of a CRF (Viterbi), for one sentence: `emissions` is `[length][nTags]`.
 * Returns the tag ids and, per token, the marginal probability of its chosen tag (by forward-backward), a
 * confidence for each tag.
 * @public
 */
export function viterbiDecode(emissions: ArrayLike<number>[], params: CrfParameters): { tags: number[]; confidence: number[] } {
  if (emissions.length === 0) return { tags: [], confidence: [] };
  const nTags = params.start.length;
  const tags = viterbiPath(emissions, flatTransitions(params, nTags), params.start, params.end);
  const marginals = crfMarginals(emissions, params);
  return { tags, confidence: tags.map((tag, t) => marginals[t]![tag]!) };
}

/**
 * The Viterbi path: the tag ids maximising `start[y0] + sum_t scores[t][y_t] + sum_t transitions[y_{t-1}, y_t]`
 * (`transitions` flat, row-major `[from, to]`) `+ end[y_last]` (no end scores when `end` is omitted). Ties go to
 * the lower tag id. `scores` is `[length][nTags]` with `length >= 1`.
 * @public
 */
export function viterbiPath(
  scores: ArrayLike<number>[],
  transitions: ArrayLike<number>,
  start: ArrayLike<number>,
  end?: ArrayLike<number>,
): number[] {
  const length = scores.length;
  const n = start.length;
  let score = Float64Array.from({ length: n }, (_, j) => start[j]! + scores[0]![j]!);
  const back: Int32Array[] = [];
  for (let t = 1; t < length; t++) {
    const next = new Float64Array(n);
    const ptr = new Int32Array(n);
    const row = scores[t]!;
    for (let j = 0; j < n; j++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < n; i++) {
        const s = score[i]! + transitions[i * n + j]!;
        if (s > best) {
          best = s;
          arg = i;
        }
      }
      next[j] = best + row[j]!;
      ptr[j] = arg;
    }
    score = next;
    back.push(ptr);
  }
  const final = (j: number): number => score[j]! + (end ? end[j]! : 0);
  let last = 0;
  for (let j = 1; j < n; j++) if (final(j) > final(last)) last = j;
  const tags = new Array<number>(length);
  tags[length - 1] = last;
  for (let t = length - 2; t >= 0; t--) tags[t] = back[t]![tags[t + 1]!]!;
  return tags;
}

/** The transition scores as one flat row-major `[from, to]` array. */
function flatTransitions(p: CrfParameters, nTags: number): Float64Array {
  const trans = transitionAt(p, nTags);
  return Float64Array.from({ length: nTags * nTags }, (_, k) => trans(Math.floor(k / nTags), k % nTags));
}

/**
 * Per-token tag marginals `p(tag_t = j | sentence)` of a CRF by the forward-backward algorithm, in probability
 * space with every position's vector normalised (exact up to rounding, and several times faster than log space:
 * one `exp` per score instead of one per pair of tags).
 * @public
 */
export function crfMarginals(emissions: ArrayLike<number>[], params: CrfParameters): number[][] {
  const length = emissions.length;
  if (length === 0) return [];
  const n = params.start.length;
  const a = flatTransitions(params, n);
  let aMax = -Infinity;
  for (const v of a) aMax = Math.max(aMax, v);
  const eA = a.map((v) => Math.exp(v - aMax));
  // exp(row + extra), scaled by its largest entry (scales cancel in the normalisations).
  const factor = (row: ArrayLike<number>, extra?: ArrayLike<number>): Float64Array => {
    let c = -Infinity;
    for (let j = 0; j < n; j++) c = Math.max(c, row[j]! + (extra ? extra[j]! : 0));
    return Float64Array.from({ length: n }, (_, j) => Math.exp(row[j]! + (extra ? extra[j]! : 0) - c));
  };
  const normalise = (x: Float64Array): Float64Array => {
    let s = 0;
    for (const v of x) s += v;
    return x.map((v) => v / s);
  };
  const alpha: Float64Array[] = [normalise(factor(emissions[0]!, params.start))];
  for (let t = 1; t < length; t++) {
    const e = factor(emissions[t]!);
    const prev = alpha[t - 1]!;
    const cur = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += prev[i]! * eA[i * n + j]!;
      cur[j] = sum * e[j]!;
    }
    alpha.push(normalise(cur));
  }
  const beta: Float64Array[] = new Array(length);
  beta[length - 1] = factor(params.end);
  for (let t = length - 2; t >= 0; t--) {
    const e = factor(emissions[t + 1]!);
    const next = beta[t + 1]!;
    const cur = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += eA[i * n + j]! * e[j]! * next[j]!;
      cur[i] = sum;
    }
    beta[t] = normalise(cur);
  }
  return alpha.map((at, t) => {
    const p = at.map((v, j) => v * beta[t]![j]!);
    return Array.from(normalise(p));
  });
}
