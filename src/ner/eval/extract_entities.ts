/**
 * Entity spans from one sentence's tags, read the conlleval way or strictly.
 */

import { convertTags } from '../tags/convert_tags.js';
import type { EntitySpan } from '../tags/entity_span.js';
import type { TagScheme } from '../tags/tag_scheme.js';
import { tagsToSpans } from '../tags/tags_to_spans.js';
import { conllevalSpans } from './conlleval_chunks.js';

/**
 * How entities are read from tags.
 * - `'conlleval'`: conlleval's chunk logic. Any tags are accepted; an `I-X` after `O` or after another type
 *   starts an entity; a type change ends one. IOB1 and IOB2 are read as they are; IOBES is first rewritten to
 *   IOB2 leniently (conlleval itself would misread `S-`/`E-`).
 * - `'strict'`: like seqeval's strict mode: only well-formed chunks of the scheme are entities (IOB2:
 *   `B-X I-X*`, an `I-X` continuing nothing is no entity; IOBES: `S-X` or `B-X I-X* E-X`). Tags the scheme
 *   does not use are refused with a `TagSequenceError`.
 * @public
 */
export type EntityMode = 'conlleval' | 'strict';

/** Options of {@link extractEntities}. @public */
export interface ExtractEntitiesOptions {
  /** Default 'conlleval'. */
  readonly mode?: EntityMode;
  /** Default 'IOB2'. */
  readonly scheme?: TagScheme;
}

/**
 * The entities of one sentence's tags, in order.
 * @example extractEntities(['O', 'I-per', 'I-per', 'B-geo']) // [{type:'per',start:1,end:3},{type:'geo',start:3,end:4}]
 * @public
 */
export function extractEntities(tags: readonly string[], options: ExtractEntitiesOptions = {}): EntitySpan[] {
  const mode = options.mode ?? 'conlleval';
  const scheme = options.scheme ?? 'IOB2';
  if (mode === 'strict') return tagsToSpans(tags, scheme, { strict: true });
  if (mode !== 'conlleval') throw new TypeError(`extractEntities: unknown mode '${String(mode)}': use 'conlleval' or 'strict'`);
  return conllevalSpans(scheme === 'IOBES' ? conllevalReadable(tags) : tags);
}

/** IOBES tags rewritten as IOB2 for conlleval (leniently, keeping malformed tags as conlleval would see them). */
export function conllevalReadable(tags: readonly string[]): readonly string[] {
  return convertTags(tags, 'IOBES', 'IOB2', { lenient: true });
}
