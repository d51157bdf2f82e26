/**
 * An entity as a half-open token range of one sentence.
 */

/** An entity of type `type` covering tokens `start` (inclusive) to `end` (exclusive). @public */
export interface EntitySpan {
  /** The entity's type (`geo`, `per`, ...). */
  readonly type: string;
  /** The index of its first token. */
  readonly start: number;
  /** The index just past its last token. */
  readonly end: number;
}

/** Whether two spans share at least one token. @public */
export function spansOverlap(a: EntitySpan, b: EntitySpan): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Whether two spans have the same type and the same boundaries. @public */
export function spansEqual(a: EntitySpan, b: EntitySpan): boolean {
  return a.type === b.type && a.start === b.start && a.end === b.end;
}
