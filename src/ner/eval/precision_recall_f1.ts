/**
 * Precision, recall and F1 from counts.
 */

/** Precision, recall and F1, as fractions in [0, 1]. @public */
export interface PrecisionRecallF1 {
  /** The fraction of predictions that are correct (0 when there are none). */
  readonly precision: number;
  /** The fraction of gold items that were predicted (0 when there are none). */
  readonly recall: number;
  /** The harmonic mean of precision and recall (0 when both are 0). */
  readonly f1: number;
}

/**
 * `precision = correct / predicted` (0 when nothing was predicted), `recall = correct / gold` (0 when there is
 * no gold), `f1 = 2pr / (p + r)` (0 when both are 0).
 * @public
 */
export function precisionRecallF1(correct: number, predicted: number, gold: number): PrecisionRecallF1 {
  const precision = predicted > 0 ? correct / predicted : 0;
  const recall = gold > 0 ? correct / gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}
