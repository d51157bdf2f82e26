/**
 * Entities of a tagged sentence, located in the original text.
 */
import { extractEntities } from '../eval/extract_entities.js';
import type { Token } from '../tokenize.js';

/** An entity found in text. @public */
export interface TaggedEntity {
  /** The entity's text: `input.slice(start, end)`. */
  readonly text: string;
  /** Its type (`geo`, `per`, ...). */
  readonly type: string;
  /**
   * Offsets into the input text, `[start, end)`: UTF-16 code units by default (`input.slice(start, end)` is
   * `text`), code points with `tag(text, { offsets: 'codePoints' })` (Python's `text[start:end]`).
   */
  readonly start: number;
  /** The offset just past the entity's last character, in the same unit as `start`. */
  readonly end: number;
  /** Mean over its tokens of each token's tag probability (softmax) or CRF marginal, in [0, 1]. */
  readonly confidence: number;
  /** Its tokens in the sentence, `[tokenStart, tokenEnd)`. */
  readonly tokenStart: number;
  /** The index just past its last token. */
  readonly tokenEnd: number;
}

/**
 * The entities of one sentence from its tokens (with offsets into `text`), predicted IOB2 tags and per-token
 * confidences. Entities are read the conlleval way, so a stray `I-X` still yields an entity.
 * @public
 */
export function entitiesOf(text: string, tokens: readonly Token[], tags: readonly string[], confidence: readonly number[]): TaggedEntity[] {
  return extractEntities(tags, { mode: 'conlleval', scheme: 'IOB2' }).map((span) => {
    const start = tokens[span.start]!.start;
    const end = tokens[span.end - 1]!.end;
    let sum = 0;
    for (let t = span.start; t < span.end; t++) sum += confidence[t]!;
    return {
      text: text.slice(start, end),
      type: span.type,
      start,
      end,
      confidence: sum / (span.end - span.start),
      tokenStart: span.start,
      tokenEnd: span.end,
    };
  });
}
