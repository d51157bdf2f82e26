/**
 * Offsets of tagged text: UTF-16 code units by default (JavaScript's slice), code points on request (Python's
 * text[start:end]); they differ after an emoji. Hand-computed values.
 */
import { useBackend } from '../../../src/backend/backends.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { codePointIndex } from '../../../src/ner/tagger/offsets.js';
import { handCrf, handMember, handVocabs } from './helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const TAGS = ['O', 'B-per', 'I-per'];
/** A tagger that tags 'Angela' B-per, 'Merkel' I-per, everything else O. */
function tagger(): NerTagger {
  const vocabs = handVocabs(['Angela', 'Merkel', 'said', '.'], TAGS);
  return new NerTagger(handMember(vocabs, { Angela: [0, 10, 0], Merkel: [0, 0, 10] }, { crf: handCrf(TAGS) }));
}

describe('offsets', () => {
  test('codePointIndex maps UTF-16 offsets to code points (a surrogate pair counts one)', () => {
    const at = codePointIndex('a😀b');
    expect([0, 1, 3, 4].map(at)).toEqual([0, 1, 2, 3]);
    expect(codePointIndex('')(0)).toBe(0);
  });

  test("after an emoji, utf16 offsets slice the JavaScript string and code-point offsets slice the code points (Python's text[start:end])", () => {
    const text = '😀 Angela Merkel said.';
    const utf16 = tagger().tag(text);
    const [entity] = utf16[0]!.entities;
    expect(entity).toMatchObject({ text: 'Angela Merkel', type: 'per', start: 3, end: 16 });
    expect(text.slice(entity!.start, entity!.end)).toBe('Angela Merkel');
    const points = tagger().tag(text, { offsets: 'codePoints' });
    const [e2] = points[0]!.entities;
    expect(e2).toMatchObject({ text: 'Angela Merkel', type: 'per', start: 2, end: 15 });
    const codePoints = Array.from(text);
    expect(codePoints.slice(e2!.start, e2!.end).join('')).toBe('Angela Merkel');
    expect(points[0]!.tokens.map((t) => [t.start, t.end])).toEqual([
      [0, 1],
      [2, 8],
      [9, 15],
      [16, 20],
      [20, 21],
    ]);
    expect(points[0]).toMatchObject({ start: 0, end: 21 });
    expect(() => tagger().tag(text, { offsets: 'bytes' as never })).toThrow(/offsets must be 'utf16' or 'codePoints'/);
  });
});
