/**
 * `loadNerSplits`: the sentence split (unchanged), the block split, dev and test files given apart, the tag column.
 */
import { CorpusError, loadNerSplits, NER_SPLIT, readNerCorpus, splitCorpus } from '../../src/ner/index.js';
import { rejectionMessage, tempFile } from './helpers.js';

/** A GMB CSV of `n` one-word sentences `w0`, `w1`, ... */
function gmbFile(n: number): string {
  const rows = [
    'Sentence #,Word,POS,Tag',
    ...Array.from({ length: n }, (_, i) => `Sentence: ${i + 1},w${i},NN,${i % 3 === 0 ? 'B-geo' : 'O'}`),
  ];
  return tempFile('corpus.csv', rows.join('\n') + '\n');
}

/** A four-column CoNLL file of `docs` documents of 3 sentences, NER tags last, chunk tags in column 2. */
function conllFile(name: string, docs: number, prefix = 'w'): string {
  const lines: string[] = [];
  for (let d = 0; d < docs; d++) {
    lines.push('-DOCSTART- -X- -X- O', '');
    for (let s = 0; s < 3; s++) lines.push(`${prefix}${d}_${s} NNP B-NP B-PER`, `said VBD B-VP O`, '');
  }
  return tempFile(name, lines.join('\n'));
}

describe('loadNerSplits', () => {
  it('keeps the sentence split by default: splitCorpus with seed 1, 80/10/10', async () => {
    const file = gmbFile(200);
    const split = await loadNerSplits(file);
    const expected = splitCorpus(await readNerCorpus(file), NER_SPLIT);
    expect(split.test.map((s) => s.id)).toEqual(expected.test.map((s) => s.id));
    expect([split.train.length, split.dev.length, split.test.length]).toEqual([160, 20, 20]);
  });

  it('splits GMB by blocks of 10 consecutive sentences: 80/10/10 of the blocks, no test sentence in a training block', async () => {
    const split = await loadNerSplits(gmbFile(400), { split: 'blocks' });
    expect([split.train.length, split.dev.length, split.test.length]).toEqual([320, 40, 40]);
    const documents = (part: typeof split.train): Set<string> => new Set(part.map((s) => s.document!));
    expect(documents(split.test).size).toBe(4);
    for (const d of documents(split.test)) expect(documents(split.train).has(d)).toBe(false);
    // A block is 10 consecutive sentences of the file.
    const testIds = split.test.map((s) => Number(s.id));
    for (let i = 0; i < testIds.length; i += 10)
      expect(testIds.slice(i, i + 10)).toEqual(Array.from({ length: 10 }, (_, k) => testIds[i]! + k));
    expect((await loadNerSplits(gmbFile(400), { split: 'blocks' })).test.map((s) => s.id)).toEqual(split.test.map((s) => s.id));
    expect((await loadNerSplits(gmbFile(400), { split: 'blocks', seed: 2 })).test.map((s) => s.id)).not.toEqual(
      split.test.map((s) => s.id),
    );
  });

  it('splits CoNLL by its -DOCSTART- documents', async () => {
    const split = await loadNerSplits(conllFile('train.conll', 20), { split: 'blocks' });
    expect([split.train.length, split.dev.length, split.test.length]).toEqual([48, 6, 6]);
    for (const part of [split.dev, split.test])
      for (const s of part) expect(split.train.some((t) => t.document === s.document)).toBe(false);
  });

  it('reads train, dev and test from three files, taking the tag from --tag-column', async () => {
    const train = conllFile('train.conll', 4);
    const dev = conllFile('dev.conll', 2, 'd');
    const test = conllFile('test.conll', 1, 't');
    const split = await loadNerSplits(train, { dev, test, conll: { tagColumn: 2 } });
    expect([split.train.length, split.dev.length, split.test.length]).toEqual([12, 6, 3]);
    expect(split.dev[0]!.words[0]).toBe('d0_0');
    expect(split.test.map((s) => s.words[0])).toEqual(['t0_0', 't0_1', 't0_2']);
    expect(split.train[0]!.tags).toEqual(['B-NP', 'B-VP']);
    expect(split.all.length).toBe(21);
  });

  it('gives the missing part 10% of the training file when one of dev and test is a file', async () => {
    const file = gmbFile(100);
    const withDev = await loadNerSplits(file, { dev: conllFile('dev.conll', 1) });
    expect([withDev.train.length, withDev.dev.length, withDev.test.length]).toEqual([90, 3, 10]);
    const withTest = await loadNerSplits(file, { test: conllFile('test.conll', 1) });
    expect([withTest.train.length, withTest.dev.length, withTest.test.length]).toEqual([90, 10, 3]);
  });

  it('refuses a malformed dev or test file naming the file and line', async () => {
    const dev = tempFile('dev.conll', 'EU NNP B-ORG\nrejects VBZ\n');
    expect(await rejectionMessage(loadNerSplits(gmbFile(50), { dev }))).toBe(
      `${dev}:2: expected 3 columns like the first token line, got 2: 'rejects VBZ'`,
    );
    const test = tempFile('test.conll', 'EU B-ORG\n-DOCSTART- O\n');
    await expect(loadNerSplits(gmbFile(50), { test })).rejects.toThrow(CorpusError);
    expect(await rejectionMessage(loadNerSplits(gmbFile(50), { test }))).toBe(
      `${test}:2: -DOCSTART- inside a sentence: a blank line must end the sentence before a document boundary`,
    );
    const tags = tempFile('tags.conll', 'EU NNP I-ORG\n');
    expect(await rejectionMessage(loadNerSplits(gmbFile(50), { test: tags, conll: { tagColumn: 2 } }))).toMatch(
      new RegExp(`^${tags.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1: sentence 1: .*IOB2`),
    );
    const missing = tempFile('x.conll', 'a O\n').replace('x.conll', 'missing.conll');
    expect(await rejectionMessage(loadNerSplits(gmbFile(50), { dev: missing }))).toMatch(/missing\.conll: cannot open: no such file/);
    const column = tempFile('c.conll', 'EU B-ORG\n');
    expect(await rejectionMessage(loadNerSplits(column, { conll: { tagColumn: 4 } }))).toBe(
      `${column}:1: tagColumn 4 does not exist: the lines have 2 column(s)`,
    );
  });
});
