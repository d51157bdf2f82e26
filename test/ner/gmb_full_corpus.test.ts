/**
 * The one test that reads the whole shipped corpus (once, in beforeAll); every whole-corpus check lives here.
 */

import { readGmbCsv, splitCorpus, TagVocab, WordVocab, type Sentence } from '../../src/ner/index.js';
import { SHIPPED_CORPUS } from './helpers.js';
import { HANG_GUARD_MS } from '../helpers/hang_guard.js';

describe('the shipped GMB corpus (data/gmb/ner_dataset.csv.gz)', () => {
  const sentences: Sentence[] = [];
  let seconds = 0;

  beforeAll(async () => {
    const started = performance.now();
    for await (const sentence of readGmbCsv(SHIPPED_CORPUS, { validateScheme: 'IOB2' })) sentences.push(sentence);
    seconds = (performance.now() - started) / 1000;
    console.log(`read ${sentences.length} sentences of ${SHIPPED_CORPUS} in ${seconds.toFixed(2)} s`);
  }, HANG_GUARD_MS);

  it('has 47,959 sentences, 1,048,575 tokens and 17 IOB2 tags', () => {
    expect(sentences).toHaveLength(47959);
    expect(sentences.reduce((sum, s) => sum + s.words.length, 0)).toBe(1048575);
    const tags = new Set(sentences.flatMap((s) => s.tags));
    expect([...tags].sort()).toEqual(
      ['O', ...['art', 'eve', 'geo', 'gpe', 'nat', 'org', 'per', 'tim'].flatMap((t) => [`B-${t}`, `I-${t}`])].sort(),
    );
  });

  it('decodes cp1252 and CSV quoting as written', () => {
    expect(sentences[0]).toMatchObject({ id: '1', words: expect.arrayContaining(['Thousands', 'London']) });
    expect(sentences[0]!.pos).toHaveLength(sentences[0]!.words.length);
    const words = new Set(sentences.flatMap((s) => s.words));
    for (const word of ['…', '–', '’s', 'Frédéric', 'Citroën', ',', '"', '10,000', '2,00,000']) expect(words.has(word)).toBe(true);
    expect(sentences[sentences.length - 1]!.id).toBe('47959');
    expect(new Set(sentences.map((s) => s.id)).size).toBe(47959);
  });

  it('splits deterministically into 80/10/10 parts', () => {
    const { train, dev, test } = splitCorpus(sentences, { seed: 1 });
    expect([train.length, dev.length, test.length]).toEqual([38367, 4796, 4796]);
    expect(splitCorpus(sentences, { seed: 1 }).dev.map((s) => s.id)).toEqual(dev.map((s) => s.id));
  });

  it('builds vocabularies from it', () => {
    const tags = TagVocab.build(sentences);
    expect(tags.size).toBe(17);
    expect(tags.knownTags.slice(0, 3)).toEqual(['O', 'B-geo', 'B-tim']);
    expect(WordVocab.build(sentences).size).toBe(2 + 35178);
    expect(WordVocab.build(sentences, { minCount: 2, lowercase: true }).size).toBeLessThan(35178);
  });
});
