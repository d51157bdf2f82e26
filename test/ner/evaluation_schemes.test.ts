/**
 * The SemEval-2013 / nervaluate schemes over entities paired one to one, on hand-computed cases; conlleval input
 * parsing and scoring; entity types in conlleval's order whatever their spelling.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConllevalInputError,
  EntityScorer,
  formatConllevalTable,
  pairEntities,
  parseConllevalInput,
  scoreConllevalText,
  toConllevalJson,
} from '../../src/ner/index.js';
import { runNerCli } from '../../recipes/ner/cli.js';
import { tempFile } from './recipe/helpers.js';

const span = (type: string, start: number, end: number) => ({ type, start, end });

function schemes(gold: string[], predicted: string[]) {
  const scorer = new EntityScorer({ mode: 'strict' });
  scorer.add(gold, predicted);
  return scorer.result().schemes;
}

describe('SemEval-2013 schemes', () => {
  test("the nervaluate scenarios, one pair each: the table's rows", () => {
    // same boundaries, same type
    expect(schemes(['B-per', 'I-per'], ['B-per', 'I-per'])).toMatchObject({
      strict: { correct: 1, incorrect: 0 },
      exact: { correct: 1 },
      partial: { correct: 1, partial: 0 },
      type: { correct: 1 },
    });
    // same boundaries, other type
    expect(schemes(['B-per', 'I-per'], ['B-org', 'I-org'])).toMatchObject({
      strict: { correct: 0, incorrect: 1 },
      exact: { correct: 1, incorrect: 0 },
      partial: { correct: 1 },
      type: { correct: 0, incorrect: 1 },
    });
    // overlap, same type
    expect(schemes(['B-per', 'I-per', 'O'], ['O', 'B-per', 'I-per'])).toMatchObject({
      strict: { incorrect: 1 },
      exact: { incorrect: 1 },
      partial: { correct: 0, partial: 1 },
      type: { correct: 1 },
    });
    // overlap, other type
    expect(schemes(['B-per', 'I-per', 'O'], ['O', 'B-geo', 'I-geo'])).toMatchObject({
      strict: { incorrect: 1 },
      exact: { incorrect: 1 },
      partial: { partial: 1 },
      type: { incorrect: 1 },
    });
  });

  test('missed and spurious; precision, recall and F1 by hand', () => {
    // gold: per [0,2), geo [3,4), org [6,7); predicted: per [0,2) (correct), geo [3,5) (overlap), tim [8,9) (spurious).
    const gold = ['B-per', 'I-per', 'O', 'B-geo', 'O', 'O', 'B-org', 'O', 'O'];
    const predicted = ['B-per', 'I-per', 'O', 'B-geo', 'I-geo', 'O', 'O', 'O', 'B-tim'];
    const s = schemes(gold, predicted);
    expect(s.strict).toMatchObject({ correct: 1, incorrect: 1, partial: 0, missed: 1, spurious: 1, possible: 3, actual: 3 });
    expect(s.strict.precision).toBeCloseTo(1 / 3, 12);
    expect(s.partial).toMatchObject({ correct: 1, partial: 1, missed: 1, spurious: 1 });
    // (1 + 0.5) / 3 both ways
    expect(s.partial.precision).toBeCloseTo(0.5, 12);
    expect(s.partial.recall).toBeCloseTo(0.5, 12);
    expect(s.type).toMatchObject({ correct: 2, incorrect: 0 });
    expect(s.type.f1).toBeCloseTo(2 / 3, 12);
  });

  test('pairs one to one: a prediction over two gold entities pairs with one, the other is missed', () => {
    // gold per [0,1), per [1,3); predicted per [0,3): overlaps 1 and 2 tokens: pairs with the larger overlap.
    expect(pairEntities([span('per', 0, 1), span('per', 1, 3)], [span('per', 0, 3)])).toEqual([[1, 0]]);
    const s = schemes(['B-per', 'B-per', 'I-per'], ['B-per', 'I-per', 'I-per']);
    expect(s.type).toMatchObject({ correct: 1, missed: 1, spurious: 0, possible: 2, actual: 1 });
    // The non-standard boundaryRelaxed credits both gold entities; the type scheme does not.
    const scorer = new EntityScorer({ mode: 'strict' });
    scorer.add(['B-per', 'B-per', 'I-per'], ['B-per', 'I-per', 'I-per']);
    expect(scorer.result().typeRelaxed.matchedGold).toBe(2);
  });

  test('exact boundaries pair first, preferring the same type', () => {
    expect(pairEntities([span('per', 0, 2)], [span('org', 0, 2), span('per', 0, 2)])).toEqual([[0, 1]]);
    expect(pairEntities([span('per', 0, 2), span('geo', 3, 4)], [span('per', 1, 4)])).toEqual([[0, 0]]);
  });
});

describe('entity types in conlleval order', () => {
  test("integer-like types sort as conlleval sorts them ('10' before '2'), in the table and the JSON", () => {
    const score = scoreConllevalText('a B-2 B-2\nb B-10 B-10\nc B-x O\n', { mode: 'strict' });
    expect(score.typeOrder).toEqual(['10', '2', 'x']);
    const table = formatConllevalTable(score, { decimals: 2 })
      .split('\n')
      .slice(2, 5)
      .map((l) => l.trim().split(':')[0]);
    expect(table).toEqual(['10', '2', 'x']);
    expect(toConllevalJson(score).typeOrder).toEqual(['10', '2', 'x']);
  });
});

describe('conlleval input', () => {
  test('sentences split at blank lines and -X-; gold and predicted from the last two fields; a delimiter', () => {
    expect(parseConllevalInput('a NN B-per B-per\nb NN O O\n\nc NN B-geo O\n-X- O O\nd NN O B-geo\n')).toEqual([
      { gold: ['B-per', 'O'], predicted: ['B-per', 'O'], line: 1 },
      { gold: ['B-geo'], predicted: ['O'], line: 4 },
      { gold: ['O'], predicted: ['B-geo'], line: 6 },
    ]);
    expect(parseConllevalInput('a b|B-per|I-per\n', { delimiter: '|' })).toEqual([{ gold: ['B-per'], predicted: ['I-per'], line: 1 }]);
  });

  test('-DOCSTART- is a token in conlleval mode (as the script counts it) and a boundary in strict mode', () => {
    const text = '-DOCSTART- O O\n\nJohn B-per B-per\n';
    expect(scoreConllevalText(text).tokens).toBe(2);
    expect(scoreConllevalText(text, { mode: 'strict' }).tokens).toBe(1);
  });

  test('malformed input is refused naming the line', () => {
    expect(() => parseConllevalInput('a O O\nb O\nc\n', { source: 'p.txt' })).toThrow(
      new ConllevalInputError('p.txt, line 2: unexpected number of fields: 2 (the first token line has 3)'),
    );
    expect(() => parseConllevalInput('\nlonely\n', { source: 'p.txt' })).toThrow(/p\.txt, line 2: expected at least 2 fields/);
  });
});

describe('trax-ner score', () => {
  const FIXTURE = join(__dirname, '..', 'fixtures', 'eval', 'gmb-2000-perturbed.tsv');
  const REFERENCE = join(__dirname, '..', 'fixtures', 'eval', 'gmb-2000-perturbed.conlleval.txt');

  async function score(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await runNerCli(['score', ...args], (t) => (out += t));
    return { code, out };
  }

  test("reproduces conlleval's output byte for byte on the eval fixture", async () => {
    const { code, out } = await score([FIXTURE, '--decimals', '6', '--conlleval-only']);
    expect(code).toBe(0);
    expect(out).toBe(readFileSync(REFERENCE, 'utf8'));
  });

  test('prints the table and the four schemes; --json gives the same figures', async () => {
    const text = await score([FIXTURE]);
    expect(text.out.split('\n')[0]).toBe('processed 43886 tokens with 4745 phrases; found: 5711 phrases; correct: 4396.');
    expect(text.out).toMatch(/^SemEval strict: +precision: +76\.97%; recall: +92\.64%; F1: +84\.09%$/m);
    expect(text.out).toMatch(/^SemEval partial \(half credit\):/m);
    const json = JSON.parse((await score([FIXTURE, '--json'])).out) as {
      score: { schemes: { strict: { correct: number } } };
      conlleval: { correct: number };
    };
    expect(json.conlleval.correct).toBe(4396);
    expect(json.score.schemes.strict.correct).toBeGreaterThan(0);
  });

  test('a malformed file is refused with its name and line', async () => {
    const file = tempFile('bad.txt', 'a O O\nb O\n');
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (errors.push(String(chunk)), true));
    try {
      expect((await score([file])).code).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('')).toMatch(/bad\.txt, line 2: unexpected number of fields/);
  });
});
