import {
  convertTags,
  findTagProblems,
  parseTag,
  spansToTags,
  tagsToSpans,
  TagSequenceError,
  tryParseTag,
  validateTags,
  type TagScheme,
} from '../../src/ner/index.js';

describe('parseTag', () => {
  it('splits at the first hyphen', () => {
    expect(parseTag('B-geo')).toEqual({ prefix: 'B', type: 'geo' });
    expect(parseTag('I-geo-nam')).toEqual({ prefix: 'I', type: 'geo-nam' });
    expect(parseTag('O')).toEqual({ prefix: 'O', type: '' });
  });
  it('refuses malformed tags, naming them', () => {
    for (const bad of ['geo', 'B-', 'X-geo', 'b-geo', '', 'O-geo']) expect(tryParseTag(bad)).toBeUndefined();
    expect(() => parseTag('B_geo')).toThrow("'B_geo' is not a tag");
  });
});

describe('findTagProblems / validateTags', () => {
  it('accepts valid sequences of each scheme', () => {
    expect(findTagProblems(['B-per', 'I-per', 'O', 'B-geo', 'B-geo'], 'IOB2')).toEqual([]);
    expect(findTagProblems(['I-per', 'I-per', 'B-per', 'O', 'I-geo'], 'IOB1')).toEqual([]);
    expect(findTagProblems(['B-per', 'I-per', 'E-per', 'O', 'S-geo'], 'IOBES')).toEqual([]);
  });
  it('names the position and the problem', () => {
    expect(findTagProblems(['O', 'I-per'], 'IOB2')).toEqual([{ index: 1, tag: 'I-per', problem: "'I-per' must follow B-per, not 'O'" }]);
    expect(findTagProblems(['B-per', 'I-geo'], 'IOB2')[0]!.problem).toContain("not 'B-per'");
    expect(findTagProblems(['O', 'B-per'], 'IOB1')[0]!.problem).toContain('IOB1 uses');
    expect(findTagProblems(['B-per', 'O'], 'IOBES')[0]!.problem).toBe("'B-per' must be followed by I-per or E-per, not 'O'");
    expect(findTagProblems(['B-per'], 'IOBES')[0]!.problem).toContain('the end of the sentence');
    expect(findTagProblems(['S-per'], 'IOB2')[0]!.problem).toContain("prefix 'S-' of 'S-per' is not used in IOB2");
    expect(findTagProblems(['per'], 'IOB2')[0]!.problem).toContain("'per' is not a tag");
  });
  it('throws a TagSequenceError listing the problems', () => {
    expect(() => validateTags(['O', 'I-org'], 'IOB2')).toThrow(TagSequenceError);
    expect(() => validateTags(['O', 'I-org'], 'IOB2')).toThrow("invalid IOB2 tag sequence: at 1: 'I-org' must follow B-org");
  });
});

describe('tagsToSpans', () => {
  it('reads IOB2 leniently (I- after O starts an entity) or strictly (it does not)', () => {
    const tags = ['O', 'I-per', 'I-per', 'B-geo', 'I-org'];
    expect(tagsToSpans(tags, 'IOB2')).toEqual([
      { type: 'per', start: 1, end: 3 },
      { type: 'geo', start: 3, end: 4 },
      { type: 'org', start: 4, end: 5 },
    ]);
    expect(tagsToSpans(tags, 'IOB2', { strict: true })).toEqual([{ type: 'geo', start: 3, end: 4 }]);
  });
  it('reads IOBES strictly: unclosed chunks are dropped', () => {
    const tags = ['B-per', 'I-per', 'E-per', 'B-geo', 'O', 'S-org', 'I-tim', 'E-tim'];
    expect(tagsToSpans(tags, 'IOBES', { strict: true })).toEqual([
      { type: 'per', start: 0, end: 3 },
      { type: 'org', start: 5, end: 6 },
    ]);
    expect(tagsToSpans(tags, 'IOBES')).toEqual([
      { type: 'per', start: 0, end: 3 },
      { type: 'geo', start: 3, end: 4 },
      { type: 'org', start: 5, end: 6 },
      { type: 'tim', start: 6, end: 8 },
    ]);
  });
  it('reads IOB1: B- separates adjacent chunks of one type', () => {
    expect(tagsToSpans(['I-per', 'I-per', 'B-per', 'O', 'I-geo'], 'IOB1', { strict: true })).toEqual([
      { type: 'per', start: 0, end: 2 },
      { type: 'per', start: 2, end: 3 },
      { type: 'geo', start: 4, end: 5 },
    ]);
  });
  it('refuses tags the scheme does not use', () => {
    expect(() => tagsToSpans(['S-per'], 'IOB2')).toThrow("at 0: the prefix 'S-' of 'S-per' is not used in IOB2");
  });
});

describe('convertTags', () => {
  const iob2 = ['B-per', 'I-per', 'O', 'B-geo', 'B-geo', 'I-geo', 'I-geo', 'B-org'];
  const iob1 = ['I-per', 'I-per', 'O', 'I-geo', 'B-geo', 'I-geo', 'I-geo', 'I-org'];
  const iobes = ['B-per', 'E-per', 'O', 'S-geo', 'B-geo', 'I-geo', 'E-geo', 'S-org'];
  const forms: Record<TagScheme, string[]> = { IOB1: iob1, IOB2: iob2, IOBES: iobes };

  it.each([
    ['IOB1', 'IOB2'],
    ['IOB1', 'IOBES'],
    ['IOB2', 'IOB1'],
    ['IOB2', 'IOBES'],
    ['IOBES', 'IOB1'],
    ['IOBES', 'IOB2'],
    ['IOB2', 'IOB2'],
  ] as [TagScheme, TagScheme][])('%s -> %s', (from, to) => {
    expect(convertTags(forms[from], from, to)).toEqual(forms[to]);
  });
  it('refuses an invalid input sequence unless lenient', () => {
    expect(() => convertTags(['O', 'I-per'], 'IOB2', 'IOBES')).toThrow("'I-per' must follow B-per");
    expect(convertTags(['O', 'I-per', 'I-per'], 'IOB2', 'IOBES', { lenient: true })).toEqual(['O', 'B-per', 'E-per']);
  });
});

describe('spansToTags', () => {
  it('refuses overlapping or out-of-range spans', () => {
    expect(() =>
      spansToTags(
        [
          { type: 'a', start: 0, end: 2 },
          { type: 'b', start: 1, end: 3 },
        ],
        3,
        'IOB2',
      ),
    ).toThrow('overlap');
    expect(() => spansToTags([{ type: 'a', start: 2, end: 4 }], 3, 'IOB2')).toThrow('outside a sentence of 3 tokens');
  });
});
