import { CharVocab, TagVocab, UnknownTagError, WORD_SHAPES, WordVocab, wordShape } from '../../src/ner/index.js';

const SENTENCES = [
  { words: ['The', 'U.S.', 'army', 'said', '10,000', 'troops', '.'], tags: ['O', 'B-geo', 'O', 'O', 'O', 'O', 'O'] },
  { words: ['the', 'Army', 'of', 'Iran', '.'], tags: ['O', 'B-org', 'I-org', 'I-org', 'O'] },
];

function roundTrip<T extends { toJSON(): unknown }>(vocab: T, fromJSON: (json: unknown) => T): T {
  return fromJSON(JSON.parse(JSON.stringify(vocab)));
}

describe('WordVocab', () => {
  it('reserves PAD=0 and UNK=1 and orders words by frequency, then code units', () => {
    const vocab = WordVocab.build(SENTENCES);
    expect(vocab.decode([0, 1, 2, 3, 4, 5])).toEqual(['<pad>', '<unk>', '.', '10,000', 'Army', 'Iran']);
    expect(vocab.size).toBe(2 + 11);
    expect(vocab.encode(['army', 'Zebra'])).toEqual([vocab.id('army'), WordVocab.UNK_ID]);
    expect(vocab.id('<pad>')).toBe(WordVocab.UNK_ID);
  });

  it('lowercases and folds digits when asked, with minCount and maxSize', () => {
    const vocab = WordVocab.build(SENTENCES, { lowercase: true, normalizeDigits: true, minCount: 2 });
    expect(vocab.decode([2, 3, 4])).toEqual(['.', 'army', 'the']);
    expect(vocab.size).toBe(5);
    expect(vocab.id('ARMY')).toBe(3);
    expect(vocab.has('Iran')).toBe(false);
    expect(WordVocab.build(SENTENCES, { maxSize: 3 }).size).toBe(3);
    expect(WordVocab.build([{ words: ['1,500'] }], { normalizeDigits: true }).decode([2])).toEqual(['0,000']);
  });

  it('gives word shapes from the original words', () => {
    const vocab = WordVocab.build(SENTENCES, { lowercase: true });
    expect(vocab.shapes(['The', 'U.S.', 'army', '10,000', '.', 'iPhone', '1990s']).map((id) => WORD_SHAPES[id])).toEqual([
      'capitalized',
      'upper',
      'lower',
      'numeric',
      'punctuation',
      'mixed',
      'alphanumeric',
    ]);
    expect(['I', 'NATO', 'al-Qaida', "'s", 'G-8', '--', 'Frédéric'].map(wordShape)).toEqual([
      'capitalized',
      'upper',
      'mixed',
      'lower',
      'alphanumeric',
      'punctuation',
      'capitalized',
    ]);
  });

  it('survives JSON and refuses JSON of another kind', () => {
    const vocab = WordVocab.build(SENTENCES, { lowercase: true });
    const restored = roundTrip(vocab, WordVocab.fromJSON);
    expect(restored.toJSON()).toEqual(vocab.toJSON());
    expect(restored.id('ARMY')).toBe(vocab.id('army'));
    expect(() => WordVocab.fromJSON({ kind: 'TagVocab', version: 1 })).toThrow("expected kind 'WordVocab'");
    expect(() => WordVocab.fromJSON({ ...vocab.toJSON(), words: ['<pad>', '<unk>', 'a', 'a'] })).toThrow("lists 'a' twice");
    expect(() => vocab.word(99)).toThrow('no word has id 99');
  });
});

describe('CharVocab', () => {
  it('maps code points, pads and truncates words', () => {
    const vocab = CharVocab.build([{ words: ['aab', 'b😀'] }]);
    expect(vocab.size).toBe(2 + 3);
    expect(vocab.encodeWord('ab😀', 5)).toEqual([vocab.id('a'), vocab.id('b'), vocab.id('😀'), 0, 0]);
    expect(vocab.encode(['abab'], 2)).toEqual([[vocab.id('a'), vocab.id('b')]]);
    expect(vocab.decodeWord(vocab.encodeWord('bz', 4))).toBe('b\uFFFD');
    expect([vocab.id('a'), vocab.id('b')]).toEqual([2, 3]);
    const restored = roundTrip(vocab, CharVocab.fromJSON);
    expect(restored.encodeWord('b😀a')).toEqual(vocab.encodeWord('b😀a'));
  });
});

describe('TagVocab', () => {
  it('orders tags by frequency and refuses unknown tags, naming them and the known ones', () => {
    const vocab = TagVocab.build(SENTENCES);
    expect(vocab.knownTags).toEqual(['O', 'I-org', 'B-geo', 'B-org']);
    expect(vocab.encode(['O', 'B-org'])).toEqual([0, 3]);
    expect(() => vocab.id('B-per')).toThrow(UnknownTagError);
    expect(() => vocab.id('B-per')).toThrow("unknown tag 'B-per': the tag vocabulary knows 4 tags: O, I-org, B-geo, B-org");
  });

  it('can reserve id 0 for padding and keeps an explicit order', () => {
    const vocab = TagVocab.build(SENTENCES, { padTag: '<pad>' });
    expect(vocab.decode([0, 1])).toEqual(['<pad>', 'O']);
    expect(TagVocab.fromTags(['O', 'B-x', 'I-x']).knownTags).toEqual(['O', 'B-x', 'I-x']);
    const restored = roundTrip(vocab, TagVocab.fromJSON);
    expect(restored.toJSON()).toEqual(vocab.toJSON());
    expect(restored.padTag).toBe('<pad>');
    expect(() => TagVocab.fromTags(['O', 'O'])).toThrow("lists 'O' twice");
  });
});
