/**
 * Relaxed entity matching: credit for overlapping spans.
 *
 * - type-relaxed: a predicted entity counts as matched when it overlaps (shares at least one token with) some
 *   gold entity of the same type; a gold entity counts as found when some predicted entity of the same type
 *   overlaps it. Boundaries may differ.
 * - boundary-relaxed: the same, whatever the types: any overlap counts.
 *
 * Precision is matched predicted / predicted, recall found gold / gold, F1 their harmonic mean. One predicted
 * entity may match several gold ones and the other way round: the two directions are counted independently.
 */

import { spansOverlap, type EntitySpan } from '../tags/entity_span.js';

/** Matched counts of one sentence (or a sum of sentences). */
export interface RelaxedCounts {
  matchedPredicted: number;
  matchedGold: number;
}

function countMatched(from: readonly EntitySpan[], against: readonly EntitySpan[], sameType: boolean): number {
  return from.filter((a) => against.some((b) => spansOverlap(a, b) && (!sameType || a.type === b.type))).length;
}

/** Matched predicted and gold entities of one sentence, with (`sameType`) or without type agreement. */
export function relaxedCounts(gold: readonly EntitySpan[], predicted: readonly EntitySpan[], sameType: boolean): RelaxedCounts {
  return { matchedPredicted: countMatched(predicted, gold, sameType), matchedGold: countMatched(gold, predicted, sameType) };
}
