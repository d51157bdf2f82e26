/**
 * The result of entity-level evaluation.
 */

import type { TagScheme } from '../tags/tag_scheme.js';
import type { EntityMode } from './extract_entities.js';
import type { PrecisionRecallF1 } from './precision_recall_f1.js';
import type { EvaluationScheme, SchemeScore } from './evaluation_schemes.js';

/** Exact-match counts and scores, overall or for one type. @public */
export interface EntityTypeScore extends PrecisionRecallF1 {
  /** Gold entities ("phrases" in conlleval). */
  readonly gold: number;
  /** Predicted entities ("found"). */
  readonly predicted: number;
  /** Predicted entities with exactly a gold entity's type and boundaries ("correct"). */
  readonly correct: number;
}

/** Relaxed (overlap) match counts and scores; see `relaxed_match.ts` for the definitions. @public */
export interface RelaxedScore extends PrecisionRecallF1 {
  /** The number of gold entities. */
  readonly gold: number;
  /** The number of predicted entities. */
  readonly predicted: number;
  /** Predicted entities overlapping a gold entity (of the same type, for type-relaxed). */
  readonly matchedPredicted: number;
  /** Gold entities overlapped by a predicted entity (of the same type, for type-relaxed). */
  readonly matchedGold: number;
}

/**
 * Entity-level evaluation of predicted against gold tags. Plain data: `JSON.stringify` gives its JSON form.
 * All scores are fractions in [0, 1].
 * @public
 */
export interface EntityScore {
  /** How entities were read from the tags (`'conlleval'` or `'strict'`). */
  readonly mode: EntityMode;
  /** The tag scheme of the tags scored. */
  readonly scheme: TagScheme;
  /** The number of sentences scored. */
  readonly sentences: number;
  /** Real tokens scored (padding excluded). */
  readonly tokens: number;
  /** Tokens whose predicted tag equals the gold tag. */
  readonly correctTokens: number;
  /** correctTokens / tokens (0 when there are no tokens). */
  readonly tokenAccuracy: number;
  /** Exact match, micro-averaged over all entities. */
  readonly overall: EntityTypeScore;
  /**
   * Exact match per entity type (every type seen in gold or predictions). Read the types in the order of
   * `typeOrder`: a plain object lists integer-like keys (`'2'`, `'10'`) first, in numeric order, whatever the
   * order they were added in.
   */
  readonly byType: Readonly<Record<string, EntityTypeScore>>;
  /** The types of `byType` in conlleval's order (code-unit order of the names: `'10'` before `'2'`). */
  readonly typeOrder: readonly string[];
  /** Unweighted mean of the per-type precision, recall and F1 (each type counts once; 0 when no types). */
  readonly macro: PrecisionRecallF1;
  /** Overlap with the same type counts. */
  readonly typeRelaxed: RelaxedScore;
  /**
   * Any overlap counts, whatever the types, matched predicted and gold entities counted independently (not a
   * standard scheme: kept for comparison with earlier reports; `schemes.type` and `schemes.exact` are the
   * standard relaxed matches).
   */
  readonly boundaryRelaxed: RelaxedScore;
  /**
   * The four SemEval-2013 / nervaluate schemes (strict, exact boundary, partial with half credit, type with
   * overlap) over entities paired one to one; see `evaluation_schemes.ts`.
   */
  readonly schemes: Readonly<Record<EvaluationScheme, SchemeScore>>;
}
