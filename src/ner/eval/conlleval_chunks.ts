/**
 * conlleval's chunk boundaries (the CoNLL-2000 scorer, 2004-01-26 version): when a chunk starts and ends
 * between two tags. This is the lenient reading of chunk tags: an `I-X` after `O` or after a chunk of another
 * type starts a chunk, and a change of type ends one.
 */

import type { EntitySpan } from '../tags/entity_span.js';

/** A tag as conlleval splits it: the text before the first hyphen, and the rest (`''` when no hyphen). */
export interface ConllevalTag {
  readonly prefix: string;
  readonly type: string;
}

/** The tag standing for "outside any chunk" (also what a sentence boundary reads as). */
export const CONLLEVAL_OUTSIDE: ConllevalTag = { prefix: 'O', type: '' };

/** Splits a tag at its first hyphen, as conlleval does (`B-geo-nam` → `B`, `geo-nam`; `O` → `O`, `''`). */
export function splitConllevalTag(tag: string): ConllevalTag {
  const hyphen = tag.indexOf('-');
  return hyphen < 0 ? { prefix: tag, type: '' } : { prefix: tag.slice(0, hyphen), type: tag.slice(hyphen + 1) };
}

/** Whether a chunk ended between `previous` and `current` (conlleval's `endOfChunk`). */
export function isChunkEnd(previous: ConllevalTag, current: ConllevalTag): boolean {
  const p = previous.prefix;
  const c = current.prefix;
  if ((p === 'B' || p === 'I') && (c === 'B' || c === 'O')) return true;
  if (p === 'E' && (c === 'E' || c === 'I' || c === 'O')) return true;
  if (p !== 'O' && p !== '.' && previous.type !== current.type) return true;
  return p === ']' || p === '[';
}

/** Whether a chunk started between `previous` and `current` (conlleval's `startOfChunk`). */
export function isChunkStart(previous: ConllevalTag, current: ConllevalTag): boolean {
  const p = previous.prefix;
  const c = current.prefix;
  if (c === 'B' && (p === 'B' || p === 'I' || p === 'O')) return true;
  if (p === 'O' && (c === 'I' || c === 'E')) return true;
  if (p === 'E' && (c === 'E' || c === 'I')) return true;
  if (c !== 'O' && c !== '.' && previous.type !== current.type) return true;
  return c === '[' || c === ']';
}

/**
 * The chunks of one sentence as conlleval delimits them (the sentence is read between two boundaries, i.e.
 * with `O` before the first and after the last tag). Accepts any tags, as conlleval does.
 */
export function conllevalSpans(tags: readonly string[]): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: { type: string; start: number } | undefined;
  let previous = CONLLEVAL_OUTSIDE;
  for (let i = 0; i <= tags.length; i++) {
    const current = i < tags.length ? splitConllevalTag(tags[i]!) : CONLLEVAL_OUTSIDE;
    const starts = i < tags.length && isChunkStart(previous, current);
    if (open && (starts || isChunkEnd(previous, current))) {
      spans.push({ type: open.type, start: open.start, end: i });
      open = undefined;
    }
    if (starts) open = { type: current.type, start: i };
    previous = current;
  }
  return spans;
}
