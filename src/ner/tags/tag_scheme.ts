/**
 * The chunk tagging schemes and what makes a tag sequence valid in each.
 *
 * - IOB1 (CoNLL-2003 original): `I-X` marks every token of a chunk; `B-X` is used only on the first token of a
 *   chunk that directly follows another chunk of the same type.
 * - IOB2 (the GMB corpus, CoNLL-2003 as usually shipped): every chunk starts with `B-X`, later tokens are `I-X`.
 * - IOBES (also called BIOES / BILOU): `S-X` is a one-token chunk; longer chunks are `B-X I-X* E-X`.
 */

import { tryParseTag, type ParsedTag, type TagPrefix } from './parse_tag.js';

/** A chunk tagging scheme. @public */
export type TagScheme = 'IOB1' | 'IOB2' | 'IOBES';

/** The schemes, in a stable order. @public */
export const TAG_SCHEMES: readonly TagScheme[] = ['IOB1', 'IOB2', 'IOBES'];

const PREFIXES: Record<TagScheme, readonly TagPrefix[]> = {
  IOB1: ['O', 'B', 'I'],
  IOB2: ['O', 'B', 'I'],
  IOBES: ['O', 'B', 'I', 'E', 'S'],
};

/** The prefixes a scheme uses. @public */
export function schemePrefixes(scheme: TagScheme): readonly TagPrefix[] {
  const prefixes = PREFIXES[scheme];
  if (!prefixes) throw new TypeError(`unknown tag scheme '${String(scheme)}': expected one of ${TAG_SCHEMES.join(', ')}`);
  return prefixes;
}

/** One thing wrong with a tag sequence. @public */
export interface TagProblem {
  /** Position of the offending tag. */
  readonly index: number;
  /** The offending tag. */
  readonly tag: string;
  /** What is wrong, in words. */
  readonly problem: string;
}

/**
 * Parses a tag for `scheme` or explains why it cannot be used there.
 * @public
 */
export function parseSchemeTag(tag: string, scheme: TagScheme): ParsedTag | string {
  const parsed = tryParseTag(tag);
  if (!parsed) return `'${tag}' is not a tag (expected 'O' or PREFIX-TYPE such as 'B-geo')`;
  if (!schemePrefixes(scheme).includes(parsed.prefix)) {
    return `the prefix '${parsed.prefix}-' of '${tag}' is not used in ${scheme} (it uses ${schemePrefixes(scheme).join(', ')})`;
  }
  return parsed;
}

function continues(previous: ParsedTag | undefined, type: string): boolean {
  return previous !== undefined && (previous.prefix === 'B' || previous.prefix === 'I') && previous.type === type;
}

/**
 * Lists everything that makes `tags` an invalid sequence in `scheme` (empty when valid):
 * malformed tags, prefixes the scheme does not use, and transitions it forbids
 * (IOB1: `B-X` not after `B-X`/`I-X`; IOB2: `I-X` not after `B-X`/`I-X`; IOBES: `I-X`/`E-X` not after
 * `B-X`/`I-X`, and `B-X`/`I-X` not followed by `I-X`/`E-X`).
 * @public
 */
export function findTagProblems(tags: readonly string[], scheme: TagScheme): TagProblem[] {
  const problems: TagProblem[] = [];
  const parsed: (ParsedTag | undefined)[] = tags.map((tag, index) => {
    const result = parseSchemeTag(tag, scheme);
    if (typeof result === 'string') {
      problems.push({ index, tag, problem: result });
      return undefined;
    }
    return result;
  });
  for (let i = 0; i < tags.length; i++) {
    const current = parsed[i];
    if (!current || current.prefix === 'O') continue;
    const previous = i > 0 ? parsed[i - 1] : undefined;
    const before = i > 0 ? `'${tags[i - 1]}'` : 'the start of the sentence';
    const tag = tags[i]!;
    if (scheme === 'IOB1' && current.prefix === 'B' && !continues(previous, current.type)) {
      problems.push({ index: i, tag, problem: `IOB1 uses '${tag}' only right after a chunk of type ${current.type}, not after ${before}` });
    }
    if (scheme !== 'IOB1' && (current.prefix === 'I' || current.prefix === 'E') && !continues(previous, current.type)) {
      const starter = scheme === 'IOB2' ? `B-${current.type}` : `B-${current.type} or I-${current.type}`;
      problems.push({ index: i, tag, problem: `'${tag}' must follow ${starter}, not ${before}` });
    }
    if (scheme === 'IOBES' && (current.prefix === 'B' || current.prefix === 'I')) {
      const next = i + 1 < tags.length ? parsed[i + 1] : undefined;
      const closed = next !== undefined && (next.prefix === 'I' || next.prefix === 'E') && next.type === current.type;
      if (!closed) {
        const after = i + 1 < tags.length ? `'${tags[i + 1]}'` : 'the end of the sentence';
        problems.push({ index: i, tag, problem: `'${tag}' must be followed by I-${current.type} or E-${current.type}, not ${after}` });
      }
    }
  }
  return problems.sort((a, b) => a.index - b.index);
}

/** A tag sequence that is not valid in its scheme. @public */
export class TagSequenceError extends Error {
  constructor(
    /** The scheme the sequence was checked against. */
    readonly scheme: TagScheme,
    /** Every problem found, in order of position (the message shows the first five). */
    readonly problems: readonly TagProblem[],
  ) {
    const shown = problems.slice(0, 5).map((p) => `at ${p.index}: ${p.problem}`);
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    super(`invalid ${scheme} tag sequence: ${shown.join('; ')}${more}`);
    this.name = 'TagSequenceError';
  }
}

/**
 * Throws a {@link TagSequenceError} listing the problems when `tags` is not a valid `scheme` sequence.
 * @public
 */
export function validateTags(tags: readonly string[], scheme: TagScheme): void {
  const problems = findTagProblems(tags, scheme);
  if (problems.length > 0) throw new TagSequenceError(scheme, problems);
}
