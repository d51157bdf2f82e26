import { ResumableStream } from '../../../src/data/resumable.js';
import { toNested, type NDArray } from '../../../src/data/ndarray.js';
import { nerBatches } from '../../../src/ner/dataset/batches.js';
import { encodeExample, encodeExamples } from '../../../src/ner/dataset/examples.js';
import { loadNerSplits, readNerCorpus } from '../../../src/ner/dataset/load_corpus.js';
import { buildNerVocabs, nerVocabsFromJSON, nerVocabsToJSON } from '../../../src/ner/dataset/vocabs.js';
import { CorpusError } from '../../../src/ner/corpus/corpus_error.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import { UnknownTagError } from '../../../src/ner/vocab/tag_vocab.js';
import { WordVocab } from '../../../src/ner/vocab/word_vocab.js';
import { gmbCsv, SENTENCES, tempFile } from './helpers.js';

const config = resolveNerModelConfig({ maxWordLength: 4 });
const vocabs = buildNerVocabs(SENTENCES.slice(0, 2), SENTENCES);

async function take<T>(stream: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

describe('NER dataset', () => {
  test('vocabularies: words and characters from training, tags from every split, JSON round trip', () => {
    expect(vocabs.words.has('London')).toBe(true);
    expect(vocabs.words.id('NATO')).toBe(WordVocab.UNK_ID); // only in the third sentence
    expect(vocabs.tags.has('B-org')).toBe(true);
    expect(vocabs.tags.id('O')).toBe(0);
    const back = nerVocabsFromJSON(JSON.parse(JSON.stringify(nerVocabsToJSON(vocabs))));
    expect(back.words.encode(['London', 'x'])).toEqual(vocabs.words.encode(['London', 'x']));
    expect(() => nerVocabsFromJSON({ words: vocabs.words.toJSON(), chars: vocabs.chars.toJSON() })).toThrow(/'tags' vocabulary is missing/);
  });

  test('an example is (features [L, F], tag ids [L], weights of ones [L]) in the configured layout', () => {
    const [features, tags, weights] = encodeExample(SENTENCES[0]!, vocabs, config) as [NDArray, NDArray, NDArray];
    const layout = featureLayout(config);
    expect(layout).toEqual({ width: 2 + 4, shapeColumn: 1, charColumn: 2, targetColumn: -1 });
    expect(features.shape).toEqual([5, 6]);
    const rows = toNested(features) as number[][];
    expect(rows[3]![0]).toBe(vocabs.words.id('London'));
    expect(rows[3]![1]).toBe(2); // capitalized
    expect(rows[3]!.slice(2)).toEqual([...'Lond'].map((c) => vocabs.chars.id(c)));
    expect(rows[4]!.slice(2)).toEqual([vocabs.chars.id('.'), 0, 0, 0]);
    expect(toNested(tags)).toEqual(vocabs.tags.encode(SENTENCES[0]!.tags));
    expect(Array.from(weights.data)).toEqual([1, 1, 1, 1, 1]);
    expect(() => encodeExample({ words: ['a'], tags: ['B-xyz'] }, vocabs, config)).toThrow(UnknownTagError);
  });

  test('evaluation batches hold every sentence once, padded with zero features, tags and weights', async () => {
    const examples = encodeExamples(SENTENCES, vocabs, config);
    const batches = await take(nerBatches(examples, { seed: 3, batchTokens: 16, boundaries: [4, 6], repeat: false })(), 100);
    const lengths = batches.flatMap(([, , w]) => (toNested(w!) as number[][]).map((row) => row.reduce((a, b) => a + b, 0))).sort();
    expect(lengths).toEqual([3, 5, 8]);
    for (const [features, tags, weights] of batches) {
      const [b, l] = weights!.shape as [number, number];
      expect(features!.shape).toEqual([b, l, 6]);
      expect(tags!.shape).toEqual([b, l]);
      const w = toNested(weights!) as number[][];
      const f = toNested(features!) as number[][][];
      w.forEach((row, i) =>
        row.forEach((weight, t) => {
          // Padding: weight 0 exactly where the word id is 0 (a real word is never id 0).
          expect(weight === 0).toBe(f[i]![t]![0] === 0);
          if (weight === 0) expect(f[i]![t]!.every((v) => v === 0)).toBe(true);
        }),
      );
    }
  });

  test('training batches are seeded, repeat, and resume from a saved position', async () => {
    const examples = encodeExamples([...SENTENCES, ...SENTENCES, ...SENTENCES], vocabs, config);
    const pipeline = nerBatches(examples, { seed: 5, batchTokens: 12, boundaries: [4, 6], unkRate: 0.3 });
    const first = await take(pipeline(), 12);
    const again = await take(pipeline(), 12);
    expect(again.map((b) => toNested(b[0]!))).toEqual(first.map((b) => toNested(b[0]!)));
    const other = await take(nerBatches(examples, { seed: 6, batchTokens: 12, boundaries: [4, 6] })(), 12);
    expect(other.map((b) => toNested(b[0]!))).not.toEqual(first.map((b) => toNested(b[0]!)));
    const stream = new ResumableStream(pipeline);
    for (let i = 0; i < 7; i++) await stream.next();
    const resumed = new ResumableStream(pipeline);
    await resumed.restore(7);
    expect(toNested((await resumed.next())[0]!)).toEqual(toNested((await stream.next())[0]!));
    // Word dropout only ever turns real words into UNK.
    for (const [features] of first) {
      const f = toNested(features!) as number[][][];
      for (const row of f)
        for (const token of row)
          expect(token[0] === WordVocab.UNK_ID || token[0] === 0 || vocabs.words.word(token[0]!) !== undefined).toBe(true);
    }
  });

  test('the fixed split is 80/10/10 by sentence and reproducible; bad corpora are refused naming the problem', async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ id: String(i), words: [`w${i}`, 'x'], tags: ['B-geo', 'O'] }));
    const path = tempFile('corpus.csv', gmbCsv(many));
    const split = await loadNerSplits(path);
    expect([split.train.length, split.dev.length, split.test.length]).toEqual([40, 5, 5]);
    expect((await loadNerSplits(path)).dev.map((s) => s.id)).toEqual(split.dev.map((s) => s.id));
    const bad = tempFile('bad.csv', 'Sentence #,Word,POS,Tag\nSentence: 1,Hello,NN,O\n,world,NN\n');
    await expect(readNerCorpus(bad)).rejects.toThrow(CorpusError);
    await expect(readNerCorpus(bad)).rejects.toThrow(/bad\.csv:3: expected 4 columns/);
    const iob1 = tempFile('iob1.txt', 'London I-geo\nis O\n');
    await expect(readNerCorpus(iob1)).rejects.toThrow(/iob1\.txt:1: sentence 1: .*IOB2/);
    await expect(readNerCorpus(tempFile('empty.csv', 'Sentence #,Word,POS,Tag\n'))).rejects.toThrow(/no sentences/);
    await expect(readNerCorpus('/nonexistent/corpus.csv')).rejects.toThrow(/no such file/);
  });
});
