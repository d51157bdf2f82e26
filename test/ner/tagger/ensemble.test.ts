/**
 * Ensembles of taggers: one member tags as that member; the members' scores and CRF parameters are really averaged
 * (cases computed by hand); pieces follow the smallest maxLen; members that cannot be combined are refused.
 */
import { useBackend } from '../../../src/backend/backends.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { CORPUS, handCrf, handMember, handVocabs, randomMember } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const TAGS = ['O', 'B-geo', 'I-geo', 'B-per'];
const LONG = [...CORPUS[1]!.words, ...CORPUS[0]!.words, 'Zyx', ...CORPUS[2]!.words];

describe('an ensemble of one member', () => {
  test.each([
    ['CRF', { crf: true }],
    ['softmax', { crf: false }],
  ])('tags exactly as that member (%s; sentences longer than maxLen in pieces)', (_, config) => {
    const member = randomMember(3, { ...config, maxLen: 6 });
    const single = new NerTagger(member);
    const ensemble = new NerTagger({ members: [member] });
    const sentences = [...CORPUS.map((s) => s.words), LONG, []];
    expect(ensemble.tagTokens(sentences)).toEqual(single.tagTokens(sentences));
    expect(ensemble.tag('George Bush visited Iraq. NATO met in Paris.')).toEqual(
      single.tag('George Bush visited Iraq. NATO met in Paris.'),
    );
    expect(ensemble.evaluate(CORPUS)).toEqual(single.evaluate(CORPUS));
    expect(ensemble.isEnsemble).toBe(true);
    expect(single.isEnsemble).toBe(false);
    expect(ensemble.tags).toBe(member.vocabs.tags);
  });

  test('two copies of a member tag as the member', () => {
    for (const crf of [true, false]) {
      const member = randomMember(5, { crf });
      const single = new NerTagger(member).tagTokens(CORPUS.map((s) => s.words));
      const twice = new NerTagger({ members: [member, member] }).tagTokens(CORPUS.map((s) => s.words));
      expect(twice.map((t) => t.tags)).toEqual(single.map((t) => t.tags));
      twice.forEach((t, i) => t.confidence.forEach((c, j) => expect(c).toBeCloseTo(single[i]!.confidence[j]!, 5)));
    }
  });
});

describe('averaging, computed by hand', () => {
  // Two tokens, tags O, B-geo, I-geo, B-per. Member A's and B's emissions:
  //   A: x [0, 4, 0, 3], y [2, 0, 0, 0]      transitions B-per -> B-geo +6
  //   B: x [4, 0, 0, 3], y [2, 0, 0, 0.5]    transitions B-per -> B-geo -6, end O -3
  // A alone: B-per B-geo (3 + 6 + 0 = 9, against B-geo O 4 + 2 = 6).
  // B alone: O B-per (4 + 0.5 = 4.5, against O B-geo 4 and O O 4 + 2 - 3 = 3).
  // Mean: x [2, 2, 0, 3], y [2, 0, 0, 0.25], B-per -> B-geo 0, end O -1.5:
  //   B-per O 3 + 2 - 1.5 = 3.5 (best); B-per B-per 3.25; B-per B-geo 3; B-geo O 2.5; B-geo I-geo 2.
  // (A's CRF with the mean emissions would give B-per B-geo (9); B's, or the CRFs summed, B-per B-per (3.25 > 2).)
  const crfA = handCrf(TAGS, { transitions: [['B-per', 'B-geo', 6]] });
  const crfB = handCrf(TAGS, { transitions: [['B-per', 'B-geo', -6]], end: { O: -3 } });

  test('CRF members: the mean emissions and the mean CRF parameters, IOB2-constrained Viterbi and marginals', () => {
    // The members' word vocabularies differ (x and y have other ids): each member encodes with its own.
    const a = handMember(handVocabs(['x', 'y'], TAGS), { x: [0, 4, 0, 3], y: [2, 0, 0, 0] }, { crf: crfA });
    const b = handMember(handVocabs(['y', 'z', 'x'], TAGS), { x: [4, 0, 0, 3], y: [2, 0, 0, 0.5] }, { crf: crfB });
    expect(new NerTagger(a).tagTokens([['x', 'y']])[0]!.tags).toEqual(['B-per', 'B-geo']);
    expect(new NerTagger(b).tagTokens([['x', 'y']])[0]!.tags).toEqual(['O', 'B-per']);
    const [result] = new NerTagger({ members: [a, b] }).tagTokens([['x', 'y']]);
    expect(result!.tags).toEqual(['B-per', 'O']);

    // The confidences are the marginals of the chosen tags under the mean scores (IOB2-forbidden paths excluded).
    const x = [2, 2, 0, 3];
    const y = [2, 0, 0, 0.25];
    const end = [-1.5, 0, 0, 0];
    let z = 0;
    let first = 0;
    let second = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        if (TAGS[i] === 'I-geo' || (TAGS[j] === 'I-geo' && TAGS[i] !== 'B-geo')) continue;
        const p = Math.exp(x[i]! + y[j]! + end[j]!); // the mean transition scores are all 0
        z += p;
        if (i === 3) first += p;
        if (j === 0) second += p;
      }
    }
    expect(result!.confidence[0]).toBeCloseTo(first / z, 5);
    expect(result!.confidence[1]).toBeCloseTo(second / z, 5);
  });

  test('softmax members: the normalised mean of the log-probabilities, decoded as `decoding` says', () => {
    // x: A [0.05, 0.6, 0.05, 0.3] picks B-geo, B [0.6, 0.05, 0.05, 0.3] picks O; the geometric mean
    // [0.173, 0.173, 0.05, 0.3] picks B-per (the arithmetic mean would tie O and B-geo at 0.325).
    // y: both [0.1, 0.1, 0.7, 0.1]. argmax: B-per I-geo. Constrained (I-geo only after B-geo):
    // B-geo I-geo (0.173 * 0.7 = 0.121) beats B-per O (0.3 * 0.1 = 0.03).
    const log = (p: number[]): number[] => p.map(Math.log);
    const vocabs = handVocabs(['x', 'y'], TAGS);
    const members = (decoding: 'argmax' | 'constrained') => [
      handMember(vocabs, { x: log([0.05, 0.6, 0.05, 0.3]), y: log([0.1, 0.1, 0.7, 0.1]) }, { decoding }),
      handMember(vocabs, { x: log([0.6, 0.05, 0.05, 0.3]), y: log([0.1, 0.1, 0.7, 0.1]) }, { decoding }),
    ];
    const [argmax] = new NerTagger({ members: members('argmax') }).tagTokens([['x', 'y']]);
    expect(argmax!.tags).toEqual(['B-per', 'I-geo']);
    const g = Math.sqrt(0.05 * 0.6);
    expect(argmax!.confidence[0]).toBeCloseTo(0.3 / (2 * g + 0.05 + 0.3), 5);
    expect(argmax!.confidence[1]).toBeCloseTo(0.7, 5);
    const constrained = new NerTagger({ members: members('constrained') });
    expect(constrained.decoding).toBe('constrained');
    const [best] = constrained.tagTokens([['x', 'y']]);
    expect(best!.tags).toEqual(['B-geo', 'I-geo']);
    expect(best!.confidence[0]).toBeCloseTo(g / (2 * g + 0.05 + 0.3), 5);
  });
});

describe('pieces', () => {
  test('sentences are cut in pieces of the smallest maxLen among the members, the same for every member', () => {
    // Token 4 wants I-geo after token 3's B-geo; in pieces of 4 it starts a piece, where I-geo is forbidden.
    const vocabs = handVocabs(['a', 'b', 'c'], TAGS);
    const scores = { a: [1, 0, 0, 0], b: [0, 5, 0, 0], c: [0, 0, 5, 1] };
    const crf = handCrf(TAGS);
    const short = handMember(vocabs, scores, { crf, maxLen: 4 });
    const long = handMember(vocabs, scores, { crf, maxLen: 8 });
    const words = ['a', 'a', 'a', 'b', 'c', 'a'];
    expect(new NerTagger(long).tagTokens([words])[0]!.tags).toEqual(['O', 'O', 'O', 'B-geo', 'I-geo', 'O']);
    expect(new NerTagger({ members: [long, short] }).tagTokens([words])[0]!.tags).toEqual(['O', 'O', 'O', 'B-geo', 'B-per', 'O']);
  });
});

describe('members that cannot be combined', () => {
  const vocabs = handVocabs(['x'], TAGS);
  const members = () => ({ softmax: handMember(vocabs, {}), crf: handMember(vocabs, {}, { crf: handCrf(TAGS) }) });

  test('are refused naming the members and the problem', () => {
    const { softmax, crf } = members();
    expect(() => new NerTagger({ members: [] })).toThrow('NerTagger: an ensemble needs at least one member, got none');
    const reordered = handMember(handVocabs(['x'], ['O', 'B-per', 'I-geo', 'B-geo']), {});
    expect(() => new NerTagger({ members: [softmax, reordered] })).toThrow(
      "NerTagger: the members' tag vocabularies differ (an ensemble needs the same tags in the same order): member 2 has [O, B-per, I-geo, B-geo], member 1 [O, B-geo, I-geo, B-per]",
    );
    expect(() => new NerTagger({ members: [crf, softmax, crf], names: ['a', 'b', 'c'] })).toThrow(
      'NerTagger: an ensemble needs all CRF or all softmax members: a, c (CRF) and b (softmax)',
    );
    expect(() => new NerTagger({ members: [softmax, handMember(vocabs, {}, { decoding: 'argmax' })] })).toThrow(
      "NerTagger: the softmax members decode differently: member 1 'constrained', member 2 'argmax'",
    );
    expect(() => new NerTagger({ members: [softmax, { ...crf, crf: undefined }] })).toThrow(
      'NerTagger: member 2: the model is configured with a CRF but no CRF parameters were given',
    );
  });

  test("an ensemble has no single model, configuration or vocabularies; its tag vocabulary is the members'", () => {
    const { softmax } = members();
    const ensemble = new NerTagger({ members: [softmax, softmax] });
    expect(() => ensemble.model).toThrow('NerTagger: an ensemble (2 members) has no single model; see its members');
    expect(() => ensemble.vocabs).toThrow(/has no single vocabularies/);
    expect(() => ensemble.crf).toThrow(/has no single CRF/);
    expect(ensemble.tags.knownTags).toEqual(TAGS);
    expect(ensemble.members).toHaveLength(2);
  });
});
