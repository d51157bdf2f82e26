import { tf } from '../../src/backend/tf.js';
import { CrfLoss, crfMarginals, viterbiDecode, viterbiPath } from '../../src/layers/crf.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { normal } from '../../src/rng/random.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';

/** All tag sequences of a length, for brute-force checks. */
function allSequences(length: number, nTags: number): number[][] {
  if (length === 0) return [[]];
  return allSequences(length - 1, nTags).flatMap((s) => Array.from({ length: nTags }, (_, j) => [...s, j]));
}

function bruteScore(seq: number[], e: number[][], a: number[][], start: number[], end: number[]): number {
  let s = start[seq[0]!]! + end[seq[seq.length - 1]!]!;
  seq.forEach((tag, t) => {
    s += e[t]![tag]!;
    if (t > 0) s += a[seq[t - 1]!]![tag]!;
  });
  return s;
}

function bruteNll(gold: number[], e: number[][], a: number[][], start: number[], end: number[]): number {
  const scores = allSequences(e.length, start.length).map((s) => bruteScore(s, e, a, start, end));
  const max = Math.max(...scores);
  const logZ = max + Math.log(scores.reduce((acc, s) => acc + Math.exp(s - max), 0));
  return logZ - bruteScore(gold, e, a, start, end);
}

describeOnBackends('CrfLoss', () => {
  const a = [
    [0.5, -0.2, 0.1],
    [0.3, 0.0, -0.4],
    [-0.1, 0.2, 0.25],
  ];
  const start = [0.1, -0.3, 0.2];
  const end = [-0.2, 0.4, 0.0];
  const e1 = [
    [1.0, 0.2, -0.5],
    [0.1, 0.3, 0.7],
    [-0.2, 0.9, 0.0],
  ];
  const e2 = [
    [0.4, -0.1, 0.3],
    [0.6, 0.2, -0.3],
    [0.0, 0.0, 0.0],
  ]; // second sentence: 2 real tokens + padding
  const weights = (): Weights => ({ transitions: tf.tensor(a), start: tf.tensor(start), end: tf.tensor(end) });
  const inputs = () => [
    tf.tensor([e1, e2]),
    tf.tensor(
      [
        [0, 2, 1],
        [2, 0, 0],
      ],
      undefined,
      'int32',
    ),
    tf.tensor([
      [1, 1, 1],
      [1, 1, 0],
    ]),
  ];

  test('infers a scalar output and checks shapes', () => {
    const layer = CrfLoss(3);
    const sig = [shapeDtype([2, 3, 3]), shapeDtype([2, 3], 'int32'), shapeDtype([2, 3])];
    expect(layer.init(sig).outputSignature).toEqual(shapeDtype([]));
    expect(() => CrfLoss(4).init(sig)).toThrow(/emissions must be \[batch, length, 4\], got \[2,3,3\]/);
    expect(() => layer.init([sig[0]!, shapeDtype([2, 4], 'int32'), sig[2]!])).toThrow(/tags must be \[2, 3\]/);
  });

  test('equals the brute-force negative log-likelihood, ignoring padding', () => {
    const [loss] = CrfLoss(3).pureFn(inputs(), weights(), {}, makeKey(0));
    const expected = (bruteNll([0, 2, 1], e1, a, start, end) + bruteNll([2, 0], e2.slice(0, 2), a, start, end)) / 5;
    expect((loss as Tensor).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  test('gradients match finite differences', () => {
    const [emissions, tags, mask] = inputs() as [Tensor, Tensor, Tensor];
    const w = weights();
    const layer = CrfLoss(3);
    expectGradientsMatchFiniteDifferences(
      (em, tr, st, en) => layer.pureFn([em, tags, mask], { transitions: tr, start: st, end: en }, {}, makeKey(0))[0] as Tensor,
      [emissions, w['transitions'] as Tensor, w['start'] as Tensor, w['end'] as Tensor],
    );
  });
});

test('Viterbi finds the best sequence and marginals match brute force', () => {
  const nTags = 3;
  const length = 4;
  const em = Array.from(normal(makeKey(5), [length, nTags]).arraySync() as number[][]);
  const params = {
    transitions: normal(makeKey(6), [nTags, nTags]).arraySync() as number[][],
    start: [0.2, -0.1, 0.3],
    end: [0.0, 0.5, -0.2],
  };
  const sequences = allSequences(length, nTags);
  const scores = sequences.map((s) => bruteScore(s, em, params.transitions, params.start, params.end));
  const best = sequences[scores.indexOf(Math.max(...scores))]!;
  const { tags, confidence } = viterbiDecode(em, params);
  expect(tags).toEqual(best);
  const z = scores.reduce((acc, s) => acc + Math.exp(s), 0);
  const marginals = crfMarginals(em, params);
  for (let t = 0; t < length; t++) {
    expect(marginals[t]!.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    for (let j = 0; j < nTags; j++) {
      const p = sequences.reduce((acc, s, k) => acc + (s[t] === j ? Math.exp(scores[k]!) : 0), 0) / z;
      expect(marginals[t]![j]).toBeCloseTo(p, 6);
    }
  }
  expect(confidence[0]).toBeCloseTo(marginals[0]![tags[0]!]!, 9);
});

describe('viterbiPath', () => {
  test('hand-computed: a transition bonus outweighs one greedy choice; end scores and ties', () => {
    // Greedy picks 0 then 1; the 0->0 transition bonus 3 makes [0, 0] score 1 + 0 + 3 = 4 against 1 + 2 + 0 = 3.
    const scores = [
      [1, 0],
      [0, 2],
    ];
    expect(viterbiPath(scores, [3, 0, 0, 0], [0, 0])).toEqual([0, 0]);
    // An end score of 2 on tag 1 turns it: [0, 1] scores 3 + 2 = 5.
    expect(viterbiPath(scores, [3, 0, 0, 0], [0, 0], [0, 2])).toEqual([0, 1]);
    // All equal: ties go to the lower tag id.
    expect(
      viterbiPath(
        [
          [0, 0],
          [0, 0],
        ],
        [0, 0, 0, 0],
        [0, 0],
      ),
    ).toEqual([0, 0]);
  });
});
