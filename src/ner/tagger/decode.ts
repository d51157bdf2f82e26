/**
 * From the model's per-token scores to tags: argmax, IOB2-constrained Viterbi over log-probabilities, or a CRF's
 * Viterbi.
 */
import { type CrfParameters, viterbiDecode, viterbiPath } from '../../layers/crf.js';
import { tryParseTag } from '../tags/parse_tag.js';

/** Tags (ids) and each token's confidence in its tag, for one sentence. @public */
export interface DecodedTags {
  /** The id of each token's tag in the tag vocabulary. */
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
export function constrainedDecode(
  logProbs: ArrayLike<number>[],
  constraints: { transitions: Float32Array; start: Float32Array },
): DecodedTags {
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
 * A CRF's best sequence (Viterbi) and each chosen tag's marginal probability (forward-backward): `viterbiDecode`
 * of `layers/crf.ts` under this module's result type.
 * @public
 */
export function crfDecode(emissions: ArrayLike<number>[], params: CrfParameters): DecodedTags {
  const { tags, confidence } = viterbiDecode(emissions, params);
  return { tagIds: tags, confidence };
}
