/**
 * Offsets of tagged text in code points instead of UTF-16 code units. JavaScript strings index UTF-16 code units,
 * so a character outside the Basic Multilingual Plane (an emoji, many CJK extension characters) counts 2; Python's
 * `str`, Rust's `chars()` and most other consumers index code points, where it counts 1.
 */
import type { Token } from '../tokenize.js';
import type { TaggedEntity } from './entities.js';

/** The unit of the offsets `NerTagger.tag` returns. @public */
export type OffsetUnit = 'utf16' | 'codePoints';

/** A function from UTF-16 offsets of `text` (0..length) to code-point offsets. */
export function codePointIndex(text: string): (utf16: number) => number {
  const table = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    table[i] = cp;
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point: its second unit maps inside it (to the same index).
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      table[i + 1] = cp;
      i++;
    }
    cp++;
  }
  table[text.length] = cp;
  return (utf16) => table[utf16]!;
}

/** A tagged sentence with every offset (its own, its tokens', its entities') mapped through `at`. */
export function mapOffsets<S extends { start: number; end: number; tokens: readonly Token[]; entities: TaggedEntity[] }>(
  sentence: S,
  at: (utf16: number) => number,
): S {
  return {
    ...sentence,
    start: at(sentence.start),
    end: at(sentence.end),
    tokens: sentence.tokens.map((t) => ({ ...t, start: at(t.start), end: at(t.end) })),
    entities: sentence.entities.map((e) => ({ ...e, start: at(e.start), end: at(e.end) })),
  };
}
