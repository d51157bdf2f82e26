/**
 * From the model's per-token scores to tags: argmax, IOB2-constrained Viterbi over log-probabilities, or a CRF's
 * Viterbi.
 */
import { type CrfParameters, viterbiPath } from '../../layers/crf.js';
import { tryParseTag } from '../tags/parse_tag.js';

/** Tags (ids) and each token's confidence in its tag, for one sentence. @public */
export interface DecodedTags {
  readonly tagIds: number[];
  /** Per token: the probability of its tag (softmax), or its CRF marginal. */
  readonly confidence: number[];
}

/** How a softmax tagger's output is decoded. @public */
export type SoftmaxDecoding = 'argmax' | 'constrained';

/**
 * IOB2 transition constraints as scores for each pair of tags: 0 where `prev -> next` is allowed, `-Infinity`
 * where IOB2 forbids it (`I-X` may only follow `B-X` or `I-X`), and start scores forbidding an initial `I-X`.
 * @public
 */
export function iob2Constraints(tags: readonly string[]): { transitions: Float32Array; start: Float32Array } {
  const n = tags.length;
  const parsed = tags.map((t) => tryParseTag(t));
  const transitions = new Float32Array(n * n);
  const start = new Float32Array(n);
  parsed.forEach((next, j) => {
    if (next?.prefix !== 'I') return;
    start[j] = -Infinity;
    parsed.forEach((prev, i) => {
      const continues = prev !== undefined && (prev.prefix === 'B' || prev.prefix === 'I') && prev.type === next.type;
      if (!continues) transitions[i * n + j] = -Infinity;
    });
  });
  return { transitions, start };
}

/**
 * The best tag sequence under the model's log-probabilities `logProbs` (`[length][nTags]`) among those IOB2
 * allows (Viterbi over `sum of log p(tag_t)` with forbidden transitions excluded): a softmax tagger's argmax can
 * put `I-per` after `O`, which this never does. Confidence is each chosen tag's probability.
 * @public
 */
export function constrainedDecode(logProbs: ArrayLike<number>[], constraints: { transitions: Float32Array; start: Float32Array }): DecodedTags {
  if (logProbs.length === 0) return { tagIds: [], confidence: [] };
  const tagIds = viterbiPath(logProbs, constraints.transitions, constraints.start);
  return { tagIds, confidence: tagIds.map((tag, t) => Math.exp(logProbs[t]![tag]!)) };
}

/** Each token's most probable tag and its probability. @public */
export function argmaxDecode(logProbs: ArrayLike<number>[]): DecodedTags {
  const tagIds = logProbs.map((row) => {
    let arg = 0;
    for (let j = 1; j < row.length; j++) if (row[j]! > row[arg]!) arg = j;
    return arg;
  });
  return { tagIds, confidence: tagIds.map((tag, t) => Math.exp(logProbs[t]![tag]!)) };
}

/**
 * A CRF's best sequence (Viterbi) and each chosen tag's marginal probability (forward-backward). The same result
 * as `viterbiDecode` of `layers/crf.ts`, computed with typed arrays and a scaled (probability-space) forward-backward
 * pass, which is several times faster for tagging-sized inputs.
 * @public
 */
export function crfDecode(emissions: ArrayLike<number>[], params: CrfParameters): DecodedTags {
  const length = emissions.length;
  if (length === 0) return { tagIds: [], confidence: [] };
  const n = params.start.length;
  const a = Array.isArray(params.transitions) ? Float64Array.from(params.transitions.flat()) : Float64Array.from(params.transitions);
  const tagIds = viterbiPath(emissions, a, params.start, params.end);
  // Marginals by a forward-backward pass in probability space, normalised at every position.
  let aMax = -Infinity;
  for (const v of a) aMax = Math.max(aMax, v);
  const eA = a.map((v) => Math.exp(v - aMax));
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
  const confidence = tagIds.map((tag, t) => {
    let z = 0;
    for (let j = 0; j < n; j++) z += alpha[t]![j]! * beta[t]![j]!;
    return (alpha[t]![tag]! * beta[t]![tag]!) / z;
  });
  return { tagIds, confidence };
}
