import { gzipSync } from 'node:zlib';
import { collect, readConll } from '../../src/ner/index.js';
import { byteStream, rejectionMessage, tempFile } from './helpers.js';

const CONLL_2003 = [
  '-DOCSTART- -X- -X- O',
  '',
  'EU NNP B-NP B-ORG',
  'rejects VBZ B-VP O',
  'German JJ B-NP B-MISC',
  '',
  '',
  'Peter NNP B-NP B-PER',
  'Blackburn NNP I-NP I-PER',
  '',
].join('\n');

describe('readConll', () => {
  it('reads space-separated columns with the tag last, -DOCSTART- starting a document, repeated blank lines as one', async () => {
    expect(await collect(readConll(byteStream(CONLL_2003)))).toEqual([
      { id: '1', words: ['EU', 'rejects', 'German'], tags: ['B-ORG', 'O', 'B-MISC'], document: '1', position: 0 },
      { id: '2', words: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'], document: '1', position: 1 },
    ]);
  });

  it("numbers the documents -DOCSTART- lines start, and each sentence's position in its document (four columns)", async () => {
    const text = [
      'Before NN B-NP O',
      '',
      '-DOCSTART- -X- -X- O',
      '',
      'EU NNP B-NP B-ORG',
      'rejects VBZ B-VP O',
      '',
      'Peter NNP B-NP B-PER',
      '',
      '-DOCSTART- -X- -X- O',
      '',
      '-DOCSTART- -X- -X- O',
      '',
      'Paris NNP B-NP B-LOC',
      '',
    ].join('\n');
    const sentences = await collect(readConll(byteStream(text)));
    expect(sentences.map((s) => [s.id, s.document, s.position, s.words[0], s.tags[0]])).toEqual([
      ['1', '1', 0, 'Before', 'O'],
      ['2', '2', 0, 'EU', 'B-ORG'],
      ['3', '2', 1, 'Peter', 'B-PER'],
      ['4', '3', 0, 'Paris', 'B-LOC'],
    ]);
    // A file without -DOCSTART- is one document.
    expect((await collect(readConll(byteStream('a O\n\nb O\n')))).map((s) => [s.document, s.position])).toEqual([
      ['1', 0],
      ['1', 1],
    ]);
  });

  it('takes the tag from the column asked for in a four-column file (CoNLL-2003: 3 is NER, 2 chunks)', async () => {
    const ner = await collect(readConll(byteStream(CONLL_2003), { tagColumn: 3 }));
    expect(ner.map((s) => s.tags)).toEqual([
      ['B-ORG', 'O', 'B-MISC'],
      ['B-PER', 'I-PER'],
    ]);
    const chunks = await collect(readConll(byteStream(CONLL_2003), { tagColumn: 2 }));
    expect(chunks.map((s) => s.tags)).toEqual([
      ['B-NP', 'B-VP', 'B-NP'],
      ['B-NP', 'I-NP'],
    ]);
  });

  it('refuses a -DOCSTART- line inside a sentence, naming the file and line', async () => {
    const message = await rejectionMessage(collect(readConll(byteStream('EU B-ORG\n-DOCSTART- O\n'), { sourceName: 'x.conll' })));
    expect(message).toBe('x.conll:2: -DOCSTART- inside a sentence: a blank line must end the sentence before a document boundary');
  });

  it('picks the tag and POS columns asked for (negative counts from the end)', async () => {
    const [first] = await collect(readConll(byteStream(CONLL_2003), { tagColumn: 2, posColumn: 1 }));
    expect(first).toEqual({
      id: '1',
      words: ['EU', 'rejects', 'German'],
      tags: ['B-NP', 'B-VP', 'B-NP'],
      pos: ['NNP', 'VBZ', 'JJ'],
      document: '1',
      position: 0,
    });
    const [again] = await collect(readConll(byteStream(CONLL_2003), { tagColumn: -2 }));
    expect(again!.tags).toEqual(['B-NP', 'B-VP', 'B-NP']);
  });

  it('reads tab-separated CRLF text without a final newline, plain or gzip, from a path', async () => {
    const text = 'The\tO\tO\r\nEuropean\tB-org\tB-org\r\n\r\nMosul\tB-geo\tB-gpe';
    const expected = [
      { id: '1', words: ['The', 'European'], tags: ['O', 'B-org'], document: '1', position: 0 },
      { id: '2', words: ['Mosul'], tags: ['B-gpe'], document: '1', position: 1 },
    ];
    expect(await collect(readConll(tempFile('a.tsv', text), { separator: 'tab' }))).toEqual(expected);
    expect(await collect(readConll(tempFile('a.tsv.gz', gzipSync(text))))).toEqual(expected);
  });

  it('refuses a line with another number of columns, naming the line', async () => {
    const message = await rejectionMessage(collect(readConll(byteStream('a O\nb\n'), { sourceName: 'x.conll' })));
    expect(message).toBe("x.conll:2: expected 2 columns like the first token line, got 1: 'b'");
  });

  it('refuses a tag column that does not exist', async () => {
    const message = await rejectionMessage(collect(readConll(byteStream('a B-X O\n'), { tagColumn: 5 })));
    expect(message).toBe('<stream>:1: tagColumn 5 does not exist: the lines have 3 column(s)');
  });

  it('refuses a file of one column', async () => {
    expect(await rejectionMessage(collect(readConll(byteStream('word\n'))))).toContain('<stream>:1: only 1 column(s)');
  });

  it('names a missing file', async () => {
    expect(await rejectionMessage(collect(readConll('/nonexistent/train.conll')))).toBe(
      '/nonexistent/train.conll: cannot open: no such file (ENOENT)',
    );
  });
});
