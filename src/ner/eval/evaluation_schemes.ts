/**
 * The four entity-evaluation schemes of SemEval-2013 Task 9.1 (as the nervaluate package reports them), over
 * gold and predicted entities paired one to one:
 *
 * - `strict`: a pair counts as correct when boundaries and type both match exactly;
 * - `exact`: exact boundaries, whatever the type (MUC's TEXT score; the NER survey's "correct boundary");
 * - `partial`: exact boundaries correct, overlapping boundaries half-credited, whatever the type;
 * - `type`: the type matches and the spans overlap (the NER survey's "correct type").
 *
 * Pairing: first every predicted entity with a gold entity of the same boundaries (one each), then the rest by
 * overlap, largest overlap first (ties: leftmost gold, then leftmost prediction). Each entity is in at most one
 * pair; an unpaired gold entity is missed, an unpaired prediction spurious. Per scheme a pair is correct,
 * incorrect or (only in `partial`) partial:
 *
 * | pair                           | strict    | exact     | partial | type      |
 * |--------------------------------|-----------|-----------|---------|-----------|
 * | same boundaries, same type     | correct   | correct   | correct | correct   |
 * | same boundaries, other type    | incorrect | correct   | correct | incorrect |
 * | overlap, same type             | incorrect | incorrect | partial | correct   |
 * | overlap, other type            | incorrect | incorrect | partial | incorrect |
 *
 * possible = correct + incorrect + partial + missed (the gold count), actual = correct + incorrect + partial +
 * spurious (the predicted count); precision = (correct + ½·partial) / actual, recall = (correct + ½·partial) /
 * possible (partial is 0 outside `partial`).
 */
import { spansOverlap, type EntitySpan } from '../tags/entity_span.js';
import { precisionRecallF1, type PrecisionRecallF1 } from './precision_recall_f1.js';

/** The names of the four schemes, in the order they are reported. @public */
export const EVALUATION_SCHEMES = ['strict', 'exact', 'partial', 'type'] as const;

/** One of {@link EVALUATION_SCHEMES}. @public */
export type EvaluationScheme = (typeof EVALUATION_SCHEMES)[number];

/** The counts of one scheme. @public */
export interface SchemeCounts {
  /** Pairs that count as correct in the scheme. */
  correct: number;
  /** Pairs that count as incorrect in the scheme. */
  incorrect: number;
  /** Pairs with overlapping but not equal boundaries (half credit; `partial` scheme only, else 0). */
  partial: number;
  /** Gold entities paired with no prediction. */
  missed: number;
  /** Predicted entities paired with no gold entity. */
  spurious: number;
}

/** A scheme's counts with `possible`, `actual`, precision, recall and F1 (fractions in [0, 1]). @public */
export interface SchemeScore extends SchemeCounts, PrecisionRecallF1 {
  /** Gold entities: correct + incorrect + partial + missed. */
  readonly possible: number;
  /** Predicted entities: correct + incorrect + partial + spurious. */
  readonly actual: number;
}

/** Zero counts for every scheme. @public */
export function emptySchemeCounts(): Record<EvaluationScheme, SchemeCounts> {
  const zero = (): SchemeCounts => ({ correct: 0, incorrect: 0, partial: 0, missed: 0, spurious: 0 });
  return { strict: zero(), exact: zero(), partial: zero(), type: zero() };
}

const sameBoundaries = (a: EntitySpan, b: EntitySpan): boolean => a.start === b.start && a.end === b.end;
const overlapLength = (a: EntitySpan, b: EntitySpan): number => Math.min(a.end, b.end) - Math.max(a.start, b.start);

/**
 * The one-to-one pairs `[goldIndex, predictedIndex]` of one sentence's entities, sorted by gold index: first each
 * gold entity with a prediction of the same boundaries (one of the same type if there is one), then the rest by
 * overlap, largest first (ties: leftmost gold, then leftmost prediction). Entities left out are missed (gold) or
 * spurious (predicted). @public
 */
export function pairEntities(gold: readonly EntitySpan[], predicted: readonly EntitySpan[]): [number, number][] {
  const pairs: [number, number][] = [];
  const goldUsed = new Set<number>();
  const predictedUsed = new Set<number>();
  const take = (g: number, p: number): void => {
    pairs.push([g, p]);
    goldUsed.add(g);
    predictedUsed.add(p);
  };
  // Same boundaries, preferring a prediction of the same type when two predictions share a span.
  for (const sameType of [true, false]) {
    gold.forEach((g, gi) => {
      if (goldUsed.has(gi)) return;
      const pi = predicted.findIndex((p, i) => !predictedUsed.has(i) && sameBoundaries(g, p) && (!sameType || g.type === p.type));
      if (pi >= 0) take(gi, pi);
    });
  }
  const candidates: { g: number; p: number; overlap: number }[] = [];
  gold.forEach((g, gi) => {
    if (goldUsed.has(gi)) return;
    predicted.forEach((p, pi) => {
      if (!predictedUsed.has(pi) && spansOverlap(g, p)) candidates.push({ g: gi, p: pi, overlap: overlapLength(g, p) });
    });
  });
  candidates.sort((a, b) => b.overlap - a.overlap || a.g - b.g || a.p - b.p);
  for (const c of candidates) if (!goldUsed.has(c.g) && !predictedUsed.has(c.p)) take(c.g, c.p);
  return pairs.sort((a, b) => a[0] - b[0]);
}

/** Adds one sentence's entities to `counts` (every scheme). */
export function addSchemeCounts(
  counts: Record<EvaluationScheme, SchemeCounts>,
  gold: readonly EntitySpan[],
  predicted: readonly EntitySpan[],
): void {
  const pairs = pairEntities(gold, predicted);
  for (const [gi, pi] of pairs) {
    const g = gold[gi]!;
    const p = predicted[pi]!;
    const exact = sameBoundaries(g, p);
    const typed = g.type === p.type;
    counts.strict[exact && typed ? 'correct' : 'incorrect']++;
    counts.exact[exact ? 'correct' : 'incorrect']++;
    counts.partial[exact ? 'correct' : 'partial']++;
    counts.type[typed ? 'correct' : 'incorrect']++;
  }
  for (const scheme of EVALUATION_SCHEMES) {
    counts[scheme].missed += gold.length - pairs.length;
    counts[scheme].spurious += predicted.length - pairs.length;
  }
}

/** Precision, recall and F1 of a scheme's counts. @public */
export function schemeScore(counts: SchemeCounts): SchemeScore {
  const { correct, incorrect, partial, missed, spurious } = counts;
  const possible = correct + incorrect + partial + missed;
  const actual = correct + incorrect + partial + spurious;
  return {
    correct,
    incorrect,
    partial,
    missed,
    spurious,
    possible,
    actual,
    ...precisionRecallF1(correct + 0.5 * partial, actual, possible),
  };
}
