import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  collect,
  EntityScorer,
  extractEntities,
  formatConllevalTable,
  readConll,
  spansEqual,
  toConllevalJson,
} from '../../src/ner/index.js';

const FIXTURE = join(__dirname, '..', 'fixtures', 'eval', 'gmb-2000-perturbed.tsv');
const REFERENCE = join(__dirname, '..', 'fixtures', 'eval', 'gmb-2000-perturbed.conlleval.txt');

describe('conlleval mode on the eval fixture (2,000 perturbed GMB sentences)', () => {
  let gold: string[][];
  let predicted: string[][];

  beforeAll(async () => {
    const [goldSentences, predictedSentences] = await Promise.all([
      collect(readConll(FIXTURE, { separator: 'tab', tagColumn: 1 })),
      collect(readConll(FIXTURE, { separator: 'tab', tagColumn: 2 })),
    ]);
    gold = goldSentences.map((s) => s.tags);
    predicted = predictedSentences.map((s) => s.tags);
  });

  it('reproduces the reference conlleval output exactly, every count and figure', () => {
    const scorer = new EntityScorer({ mode: 'conlleval' });
    gold.forEach((tags, i) => scorer.add(tags, predicted[i]!));
    const result = scorer.result();
    expect(formatConllevalTable(result)).toBe(readFileSync(REFERENCE, 'utf8'));
    expect(result.sentences).toBe(2000);
    expect(toConllevalJson(result)).toMatchObject({ processedTokens: 43886, phrases: 4745, found: 5711, correct: 4396 });
    expect(toConllevalJson(result).types['art']).toMatchObject({ found: 180 });
  });

  it("counts the same correct entities by span equality as conlleval's state machine", () => {
    let correct = 0;
    gold.forEach((tags, i) => {
      const goldSpans = extractEntities(tags);
      correct += extractEntities(predicted[i]!).filter((p) => goldSpans.some((g) => spansEqual(g, p))).length;
    });
    expect(correct).toBe(4396);
  });

  it('scores the fixture in strict mode too (I- without B- is no entity)', () => {
    const scorer = new EntityScorer({ mode: 'strict' });
    gold.forEach((tags, i) => scorer.add(tags, predicted[i]!));
    const { overall, tokens, correctTokens } = scorer.result();
    expect({ gold: overall.gold, predicted: overall.predicted, correct: overall.correct }).toEqual({
      gold: 4745,
      predicted: 5176,
      correct: 4391,
    });
    expect([tokens, correctTokens]).toEqual([43886, Math.round((97.128925 / 100) * 43886)]);
  });
});
