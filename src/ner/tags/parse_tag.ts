/**
 * Splitting a chunk tag such as `B-geo` into its prefix (`B`) and entity type (`geo`).
 */

/** A tag split into its prefix and entity type; `O` has prefix `O` and type `''`. @public */
export interface ParsedTag {
  /** `O`, `B`, `I`, `E` or `S`. */
  readonly prefix: TagPrefix;
  /** The entity type (`geo`, `per`, ...); `''` for `O`. Types may contain hyphens (`B-geo-nam` has type `geo-nam`). */
  readonly type: string;
}

/** The tag prefixes used by IOB1, IOB2 and IOBES. @public */
export type TagPrefix = 'O' | 'B' | 'I' | 'E' | 'S';

const CHUNK_TAG = /^([BIES])-(.+)$/;

/**
 * Splits a tag into prefix and type, or returns `undefined` when it is neither `O` nor `B-`/`I-`/`E-`/`S-`
 * followed by a non-empty type. The split is at the first hyphen, like conlleval's (2004-01-26).
 * @public
 */
export function tryParseTag(tag: string): ParsedTag | undefined {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const match = CHUNK_TAG.exec(tag);
  if (!match) return undefined;
  return { prefix: match[1] as TagPrefix, type: match[2]! };
}

/**
 * Splits a tag into prefix and type; throws a `TypeError` naming the tag when it is malformed.
 * @public
 */
export function parseTag(tag: string): ParsedTag {
  const parsed = tryParseTag(tag);
  if (!parsed) {
    throw new TypeError(`parseTag: '${tag}' is not a tag: expected 'O' or a prefix B-, I-, E- or S- and a type, as in 'B-geo'`);
  }
  return parsed;
}

/** Joins a prefix and a type back into a tag (`O` stays `O`). @public */
export function formatTag(prefix: TagPrefix, type: string): string {
  return prefix === 'O' ? 'O' : `${prefix}-${type}`;
}
