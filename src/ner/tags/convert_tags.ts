/**
 * Converting a tag sequence between IOB1, IOB2 and IOBES.
 */

import { spansToTags } from './spans_to_tags.js';
import { validateTags, type TagScheme } from './tag_scheme.js';
import { tagsToSpans } from './tags_to_spans.js';

/** Options of {@link convertTags}. @public */
export interface ConvertTagsOptions {
  /**
   * `false` (default): `tags` must be a valid `from` sequence, otherwise a `TagSequenceError` lists the
   * problems. `true`: invalid transitions are repaired the lenient way (an `I-X` that continues nothing starts
   * an entity, as conlleval reads it).
   */
  readonly lenient?: boolean;
}

/**
 * Rewrites one sentence's tags from scheme `from` to scheme `to`; the entities stay the same.
 * @example convertTags(['B-per', 'I-per', 'O', 'B-geo'], 'IOB2', 'IOBES') // ['B-per', 'E-per', 'O', 'S-geo']
 * @public
 */
export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme, options: ConvertTagsOptions = {}): string[] {
  if (!options.lenient) validateTags(tags, from);
  return spansToTags(tagsToSpans(tags, from), tags.length, to);
}
