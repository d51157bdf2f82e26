import {
  EntityScorer,
  extractEntities,
  formatConllevalTable,
  printfFixed,
  scoreEntities,
  toConllevalJson,
  type EntityScore,
} from '../../src/ner/index.js';

function score(gold: string[][], predicted: string[][], options: ConstructorParameters<typeof EntityScorer>[0] = {}): EntityScore {
  return scoreEntities(gold, predicted, options);
}

describe('extractEntities', () => {
  it('conlleval mode: I- after O starts an entity, a type change ends one', () => {
    expect(extractEntities(['O', 'I-per', 'I-per', 'I-geo', 'B-geo', 'O', 'I-org'])).toEqual([
      { type: 'per', start: 1, end: 3 },
      { type: 'geo', start: 3, end: 4 },
      { type: 'geo', start: 4, end: 5 },
      { type: 'org', start: 6, end: 7 },
    ]);
  });
  it('strict mode: an I- without a matching B- is no entity', () => {
    expect(extractEntities(['O', 'I-per', 'I-per', 'B-geo', 'I-geo', 'I-org'], { mode: 'strict' })).toEqual([
      { type: 'geo', start: 3, end: 5 },
    ]);
  });
  it('IOBES in both modes', () => {
    const tags = ['B-per', 'E-per', 'S-per', 'B-geo', 'I-geo'];
    expect(extractEntities(tags, { mode: 'strict', scheme: 'IOBES' })).toEqual([
      { type: 'per', start: 0, end: 2 },
      { type: 'per', start: 2, end: 3 },
    ]);
    expect(extractEntities(tags, { mode: 'conlleval', scheme: 'IOBES' })).toEqual([
      { type: 'per', start: 0, end: 2 },
      { type: 'per', start: 2, end: 3 },
      { type: 'geo', start: 3, end: 5 },
    ]);
  });
});

describe('EntityScorer, exact match', () => {
  it('conlleval mode gives credit for an entity predicted as I- I- (it starts where the gold one does)', () => {
    const result = score([['B-per', 'I-per', 'O']], [['I-per', 'I-per', 'O']]);
    expect(result.overall).toMatchObject({ gold: 1, predicted: 1, correct: 1, f1: 1 });
    expect(result.tokenAccuracy).toBeCloseTo(2 / 3);
  });

  it('strict mode does not (seqeval strict)', () => {
    const result = score([['B-per', 'I-per', 'O']], [['I-per', 'I-per', 'O']], { mode: 'strict' });
    expect(result.overall).toMatchObject({ gold: 1, predicted: 0, correct: 0, precision: 0, recall: 0, f1: 0 });
  });

  it('needs the same boundaries and type', () => {
    const gold = [['B-org', 'I-org', 'I-org', 'O', 'B-per']];
    const predicted = [['B-org', 'I-org', 'O', 'O', 'B-geo']];
    for (const mode of ['conlleval', 'strict'] as const) {
      const result = score(gold, predicted, { mode });
      expect(result.overall).toMatchObject({ gold: 2, predicted: 2, correct: 0 });
      expect(Object.keys(result.byType)).toEqual(['geo', 'org', 'per']);
      expect(result.byType['geo']).toMatchObject({ gold: 0, predicted: 1, correct: 0, precision: 0, recall: 0 });
    }
  });

  it('micro and macro averages differ as they should', () => {
    const gold = [['B-per', 'O', 'B-per', 'O', 'B-per', 'O', 'B-geo']];
    const predicted = [['B-per', 'O', 'B-per', 'O', 'B-per', 'O', 'O']];
    const result = score(gold, predicted, { mode: 'strict' });
    expect(result.overall).toMatchObject({ precision: 1, recall: 0.75 });
    expect(result.macro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
  });

  it('scores IOBES tags', () => {
    const gold = [['B-per', 'E-per', 'O', 'S-geo']];
    const predicted = [['B-per', 'E-per', 'O', 'S-org']];
    for (const mode of ['conlleval', 'strict'] as const) {
      expect(score(gold, predicted, { mode, scheme: 'IOBES' }).overall).toMatchObject({ gold: 2, predicted: 2, correct: 1 });
    }
    const unclosed = score([['B-per', 'E-per']], [['B-per', 'I-per']], { mode: 'strict', scheme: 'IOBES' });
    expect(unclosed.overall).toMatchObject({ predicted: 0, correct: 0 });
  });

  it('refuses tags the scheme does not use in strict mode, and mismatched lengths', () => {
    expect(() => score([['S-per']], [['O']], { mode: 'strict' })).toThrow("the prefix 'S-' of 'S-per' is not used in IOB2");
    expect(() => new EntityScorer().add(['O', 'O'], ['O'])).toThrow('sentence 1 has 2 gold tags but 1 predicted tags');
    expect(() => scoreEntities([['O']], [])).toThrow('0 predicted sentences but more gold ones');
  });

  it('counts only real tokens when a pad tag is given', () => {
    const result = score([['B-per', 'O', '<pad>', '<pad>']], [['B-per', 'B-geo', 'B-per', 'O']], { padTag: '<pad>' });
    expect([result.tokens, result.correctTokens]).toEqual([2, 1]);
    expect(result.overall).toMatchObject({ gold: 1, predicted: 2, correct: 1 });
  });

  it('streams: results can be read between additions, and reset', () => {
    const scorer = new EntityScorer({ mode: 'conlleval' });
    scorer.add(['B-per'], ['B-per']);
    expect(scorer.result().overall.correct).toBe(1);
    scorer.add(['B-geo', 'I-geo'], ['B-geo', 'O']);
    expect(scorer.result().overall).toMatchObject({ gold: 2, predicted: 2, correct: 1 });
    expect(scorer.result().sentences).toBe(2);
    scorer.reset();
    expect(scorer.result().overall).toMatchObject({ gold: 0, predicted: 0, correct: 0 });
  });
});

describe('EntityScorer, relaxed match', () => {
  it('type-relaxed credits an overlap of the same type; boundary-relaxed any overlap', () => {
    // gold: per [0,3), geo [4,5); predicted: per [1,2) (inside the gold per), org [4,6) (overlaps geo), per [7,8) (spurious).
    const gold = [['B-per', 'I-per', 'I-per', 'O', 'B-geo', 'O', 'O', 'O']];
    const predicted = [['O', 'B-per', 'O', 'O', 'B-org', 'I-org', 'O', 'B-per']];
    const result = score(gold, predicted, { mode: 'strict' });
    expect(result.overall).toMatchObject({ gold: 2, predicted: 3, correct: 0 });
    expect(result.typeRelaxed).toMatchObject({
      gold: 2,
      predicted: 3,
      matchedPredicted: 1,
      matchedGold: 1,
      precision: 1 / 3,
      recall: 1 / 2,
    });
    expect(result.boundaryRelaxed).toMatchObject({ matchedPredicted: 2, matchedGold: 2, precision: 2 / 3, recall: 1 });
    expect(result.boundaryRelaxed.f1).toBeCloseTo(0.8);
  });

  it('one predicted entity spanning two gold entities finds both', () => {
    const result = score([['B-per', 'B-per']], [['B-per', 'I-per']]);
    expect(result.typeRelaxed).toMatchObject({ matchedPredicted: 1, matchedGold: 2, precision: 1, recall: 1 });
    expect(result.overall.correct).toBe(0);
  });
});

describe('formatConllevalTable', () => {
  it('prints like conlleval, with the stock 2 decimals on request', () => {
    const result = score([['B-per', 'I-per', 'O', 'B-geo']], [['B-per', 'I-per', 'O', 'B-org']]);
    expect(formatConllevalTable(result, { decimals: 2 })).toBe(
      [
        'processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.',
        'accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00',
        '              geo: precision:   0.00%; recall:   0.00%; FB1:   0.00  0',
        '              org: precision:   0.00%; recall:   0.00%; FB1:   0.00  1',
        '              per: precision: 100.00%; recall: 100.00%; FB1: 100.00  1',
        '',
      ].join('\n'),
    );
  });

  it('prints only the counts line when there are no tokens', () => {
    expect(formatConllevalTable(new EntityScorer().result())).toBe('processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n');
  });

  it('has a JSON form with the same figures', () => {
    const json = toConllevalJson(score([['B-per', 'O']], [['B-per', 'B-per']]));
    expect(json).toEqual({
      processedTokens: 2,
      phrases: 1,
      found: 2,
      correct: 1,
      accuracy: 50,
      precision: 50,
      recall: 100,
      fb1: (2 * 50 * 100) / 150,
      types: { per: { precision: 50, recall: 100, fb1: (2 * 50 * 100) / 150, gold: 1, found: 2, correct: 1 } },
      typeOrder: ['per'],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('printfFixed', () => {
  it("rounds the exact binary value with ties to even, like C's printf", () => {
    expect(printfFixed(0.0078125, 6)).toBe('0.007812');
    expect(printfFixed(0.0234375, 6)).toBe('0.023438');
    expect(printfFixed(2.5, 0)).toBe('2');
    expect(printfFixed(3.5, 0)).toBe('4');
    expect(printfFixed(0.125, 2)).toBe('0.12');
    expect(printfFixed(1.005, 2)).toBe('1.00'); // 1.005 is slightly below 1.005 in binary
    expect(printfFixed(8.888888888, 2, 6)).toBe('  8.89');
    expect(printfFixed(100, 6, 6)).toBe('100.000000');
    expect(printfFixed(-0.5, 0)).toBe('-0');
    expect(printfFixed(123456789.123, 1)).toBe('123456789.1');
    expect(printfFixed(1e21, 0)).toBe('1000000000000000000000');
  });
});
