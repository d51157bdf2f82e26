/**
 * Reading entity spans out of a tag sequence in a given scheme, leniently or strictly.
 */

import type { EntitySpan } from './entity_span.js';
import type { ParsedTag } from './parse_tag.js';
import { parseSchemeTag, TagSequenceError, type TagScheme } from './tag_scheme.js';

/** How {@link tagsToSpans} treats transitions the scheme forbids. @public */
export interface TagsToSpansOptions {
  /**
   * `false` (default), lenient: every tag inside a chunk belongs to some entity. An `I-X` (or IOBES `E-X`) that
   * does not continue a chunk of type X starts a new one, as conlleval reads it; an IOBES `B-X`/`I-X` that is
   * not closed by `E-X` still ends an entity where the chunk stops.
   *
   * `true`, strict (like seqeval's strict mode): only well-formed chunks are entities. IOB2: `B-X I-X*`; an
   * `I-X` that does not continue a `B-X`/`I-X` of type X belongs to no entity. IOBES: `S-X` or `B-X I-X* E-X`;
   * anything not closed by `E-X` is dropped. IOB1: a chunk starts at `I-X` (not continuing type X) or at `B-X`
   * right after a chunk of type X; a `B-X` anywhere else belongs to no entity.
   */
  readonly strict?: boolean;
}

interface OpenChunk {
  type: string;
  start: number;
}

function parseAll(tags: readonly string[], scheme: TagScheme): ParsedTag[] {
  return tags.map((tag, index) => {
    const parsed = parseSchemeTag(tag, scheme);
    if (typeof parsed === 'string') throw new TagSequenceError(scheme, [{ index, tag, problem: parsed }]);
    return parsed;
  });
}

function beginInsideSpans(tags: readonly ParsedTag[], scheme: 'IOB1' | 'IOB2', strict: boolean): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: OpenChunk | undefined;
  const close = (end: number): void => {
    if (open) spans.push({ type: open.type, start: open.start, end });
    open = undefined;
  };
  tags.forEach(({ prefix, type }, i) => {
    const continuing = open !== undefined && open.type === type;
    if (prefix === 'O') {
      close(i);
    } else if (prefix === 'I') {
      if (continuing) return;
      close(i);
      if (!strict || scheme === 'IOB1') open = { type, start: i };
    } else {
      // prefix B
      const startsChunk = !strict || scheme === 'IOB2' || continuing;
      close(i);
      if (startsChunk) open = { type, start: i };
    }
  });
  close(tags.length);
  return spans;
}

function iobesSpans(tags: readonly ParsedTag[], strict: boolean): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: OpenChunk | undefined;
  const close = (end: number): void => {
    if (open && !strict) spans.push({ type: open.type, start: open.start, end });
    open = undefined;
  };
  tags.forEach(({ prefix, type }, i) => {
    const continuing = open !== undefined && open.type === type;
    switch (prefix) {
      case 'O':
        close(i);
        break;
      case 'S':
        close(i);
        spans.push({ type, start: i, end: i + 1 });
        break;
      case 'B':
        close(i);
        open = { type, start: i };
        break;
      case 'I':
        if (continuing) break;
        close(i);
        if (!strict) open = { type, start: i };
        break;
      case 'E':
        if (continuing) {
          spans.push({ type, start: open!.start, end: i + 1 });
          open = undefined;
        } else {
          close(i);
          if (!strict) spans.push({ type, start: i, end: i + 1 });
        }
        break;
    }
  });
  close(tags.length);
  return spans;
}

/**
 * The entities of one sentence's tags, in order. Tags that are malformed or use a prefix the scheme does not
 * have are refused with a {@link TagSequenceError} naming them.
 * @public
 */
export function tagsToSpans(tags: readonly string[], scheme: TagScheme, options: TagsToSpansOptions = {}): EntitySpan[] {
  const parsed = parseAll(tags, scheme);
  const strict = options.strict ?? false;
  return scheme === 'IOBES' ? iobesSpans(parsed, strict) : beginInsideSpans(parsed, scheme, strict);
}
