/**
 * Writing entity spans as a tag sequence in a given scheme.
 */

import type { EntitySpan } from './entity_span.js';
import type { TagScheme } from './tag_scheme.js';

/**
 * The tags of a sentence of `length` tokens whose entities are `spans` (sorted or not, but not overlapping and
 * within the sentence; otherwise a `RangeError` names the offending span).
 * @public
 */
export function spansToTags(spans: readonly EntitySpan[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill('O');
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let previous: EntitySpan | undefined;
  for (const span of sorted) {
    if (!Number.isInteger(span.start) || !Number.isInteger(span.end) || span.start < 0 || span.end > length || span.start >= span.end) {
      throw new RangeError(`spansToTags: span ${JSON.stringify(span)} is empty or outside a sentence of ${length} tokens`);
    }
    if (previous && span.start < previous.end) {
      throw new RangeError(`spansToTags: spans ${JSON.stringify(previous)} and ${JSON.stringify(span)} overlap`);
    }
    const adjacentSameType = previous !== undefined && previous.end === span.start && previous.type === span.type;
    for (let i = span.start; i < span.end; i++) tags[i] = `I-${span.type}`;
    if (scheme === 'IOB2') {
      tags[span.start] = `B-${span.type}`;
    } else if (scheme === 'IOB1') {
      if (adjacentSameType) tags[span.start] = `B-${span.type}`;
    } else if (span.end - span.start === 1) {
      tags[span.start] = `S-${span.type}`;
    } else {
      tags[span.start] = `B-${span.type}`;
      tags[span.end - 1] = `E-${span.type}`;
    }
    previous = span;
  }
  return tags;
}
