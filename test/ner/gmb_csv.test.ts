import { gzipSync } from 'node:zlib';
import { collect, CorpusError, GMB_DOCUMENT_SENTENCES, readGmbCsv, type ReadGmbCsvOptions } from '../../src/ner/index.js';
import { byteStream, rejectionMessage, tempFile } from './helpers.js';

const HEADER = 'Sentence #,Word,POS,Tag';
/** A small corpus in GMB's layout: cp1252 bytes (0xE9 é, 0x85 …, 0x96 –), CRLF, CSV-quoted words. */
const CP1252_ROWS = [
  HEADER,
  'Sentence: 1,Caf\xe9,NNP,B-org',
  ',\x85,:,O',
  ',",",",",O',
  ',"""",``,O',
  ',"10,000",CD,O',
  'Sentence: 2,Paris,NNP,B-geo',
  ',\x96,:,O',
];
const EXPECTED = [
  {
    id: '1',
    words: ['Café', '…', ',', '"', '10,000'],
    tags: ['B-org', 'O', 'O', 'O', 'O'],
    pos: ['NNP', ':', ',', '``', 'CD'],
    document: '1',
    position: 0,
  },
  { id: '2', words: ['Paris', '–'], tags: ['B-geo', 'O'], pos: ['NNP', ':'], document: '1', position: 1 },
];

function cp1252Csv(rows: string[], lineEnd = '\r\n'): Buffer {
  return Buffer.from(rows.join(lineEnd) + lineEnd, 'latin1');
}

async function readRows(rows: string[], options: ReadGmbCsvOptions = {}): Promise<unknown> {
  return collect(readGmbCsv(byteStream(cp1252Csv(rows)), options));
}

describe('readGmbCsv', () => {
  it('reads cp1252 text with CRLF and quoted words, detecting the encoding', async () => {
    expect(await collect(readGmbCsv(byteStream(cp1252Csv(CP1252_ROWS), 3)))).toEqual(EXPECTED);
  });

  it('reads the same corpus written as UTF-8 with LF line ends', async () => {
    const utf8 = Buffer.from(cp1252Csv(CP1252_ROWS, '\n').toString('latin1').replace('\x85', '…').replace('\x96', '–'), 'utf8');
    expect(await collect(readGmbCsv(byteStream(utf8, 2)))).toEqual(EXPECTED);
  });

  it('reads gzip from a stream and from a .csv.gz path, and plain files', async () => {
    const compressed = gzipSync(cp1252Csv(CP1252_ROWS));
    expect(await collect(readGmbCsv(byteStream(compressed, 5)))).toEqual(EXPECTED);
    expect(await collect(readGmbCsv(tempFile('tiny.csv.gz', compressed)))).toEqual(EXPECTED);
    expect(await collect(readGmbCsv(tempFile('tiny.csv', cp1252Csv(CP1252_ROWS))))).toEqual(EXPECTED);
  });

  it('puts runs of GMB_DOCUMENT_SENTENCES consecutive sentences in one document (the CSV records none)', async () => {
    const rows = [HEADER, ...Array.from({ length: 23 }, (_, i) => `Sentence: ${i + 1},w${i},NN,O`)];
    const sentences = (await readRows(rows)) as Array<{ document: string; position: number }>;
    expect(GMB_DOCUMENT_SENTENCES).toBe(10);
    expect(sentences.map((s) => `${s.document}.${s.position}`)).toEqual(
      Array.from({ length: 23 }, (_, i) => `${Math.floor(i / 10) + 1}.${i % 10}`),
    );
    const small = (await readRows(rows.slice(0, 6), { documentSentences: 2 })) as Array<{ document: string; position: number }>;
    expect(small.map((s) => `${s.document}.${s.position}`)).toEqual(['1.0', '1.1', '2.0', '2.1', '3.0']);
    await expect(readRows(rows, { documentSentences: 0 })).rejects.toThrow('documentSentences must be an integer >= 1, got 0');
  });

  it('leaves out POS tags when asked', async () => {
    const [first] = (await readRows(CP1252_ROWS, { includePos: false })) as { pos?: string[] }[];
    expect(first!.pos).toBeUndefined();
  });

  it('decodes explicitly as windows-1252 and refuses cp1252 bytes read as UTF-8, naming the line', async () => {
    expect(await readRows(CP1252_ROWS, { encoding: 'windows-1252' })).toEqual(EXPECTED);
    const message = await rejectionMessage(readRows(CP1252_ROWS, { encoding: 'utf-8' }));
    expect(message).toBe("<stream>:2: the text is not valid UTF-8 here; if the file is latin-1/cp1252, pass encoding: 'windows-1252'");
  });

  it('drops a UTF-8 byte-order mark', async () => {
    const utf8 = Buffer.from('\uFEFF' + [HEADER, 'Sentence: 1,Café,NNP,B-org'].join('\n'), 'utf8');
    expect(await collect(readGmbCsv(byteStream(utf8, 1)))).toEqual([
      { id: '1', words: ['Café'], tags: ['B-org'], pos: ['NNP'], document: '1', position: 0 },
    ]);
  });

  it('refuses a file that starts as UTF-8 and later holds cp1252 bytes, naming the line', async () => {
    const mixed = Buffer.concat([Buffer.from([HEADER, 'Sentence: 1,Café,NNP,B-org', ''].join('\r\n'), 'utf8'), cp1252Csv([',\x85,:,O'])]);
    expect(await rejectionMessage(collect(readGmbCsv(byteStream(mixed, 4))))).toMatch(/^<stream>:3: the text is not valid UTF-8 here/);
  });

  describe('refuses malformed input, naming the source, the line and the problem', () => {
    it.each([
      [
        'a row with 3 columns',
        [HEADER, 'Sentence: 1,a,DT,O', ',war,NN'],
        '<stream>:3: expected 4 columns (Sentence #, Word, POS, Tag), got 3: ["","war","NN"]',
      ],
      ['a row with 5 columns', [HEADER, 'Sentence: 1,a,DT,O,extra'], '<stream>:2: expected 4 columns (Sentence #, Word, POS, Tag), got 5'],
      [
        'a continuation row first',
        [HEADER, ',war,NN,O'],
        "<stream>:2: a continuation row (empty 'Sentence #') comes before any sentence id ('Sentence: N')",
      ],
      ['an empty tag', [HEADER, 'Sentence: 1,a,DT,O', ',war,NN,'], "<stream>:3: empty tag for the word 'war'"],
      ['an empty word', [HEADER, 'Sentence: 1,,DT,O'], '<stream>:2: empty word'],
      ['an empty POS tag', [HEADER, 'Sentence: 1,a,,O'], "<stream>:2: empty POS tag for the word 'a'"],
      [
        'a malformed tag',
        [HEADER, 'Sentence: 1,Paris,NNP,geo'],
        "<stream>:2: 'geo' is not a tag (expected 'O' or PREFIX-TYPE such as 'B-geo')",
      ],
      ['a wrong header', ['Word,Tag', 'Sentence: 1,a,DT,O'], "<stream>:1: expected the header 'Sentence #,Word,POS,Tag', got 'Word,Tag'"],
      [
        'a repeated sentence id',
        [HEADER, 'Sentence: 1,a,DT,O', 'Sentence: 2,b,DT,O', 'Sentence: 1,c,DT,O'],
        "<stream>:4: sentence id '1' repeats (first at line 2)",
      ],
      [
        'an unclosed quote',
        [HEADER, 'Sentence: 1,a,DT,O', ',"b,DT,O', ',c,DT,O'],
        '<stream>:3: malformed CSV: a quote opened in this row is never closed',
      ],
    ])('%s', async (_, rows, expected) => {
      const message = await rejectionMessage(readRows(rows));
      expect(message.startsWith(expected)).toBe(true);
    });

    it('malformed CSV quoting is reported as such', async () => {
      const message = await rejectionMessage(readRows([HEADER, 'Sentence: 1,"a"b,DT,O']));
      expect(message).toMatch(/^<stream>:2: malformed CSV: /);
    });

    it('counts lines across blank lines and multi-line quoted words', async () => {
      const rows = [HEADER, '', 'Sentence: 1,"two\r\nlines",NN,O', '', ',war,NN'];
      expect(await rejectionMessage(readRows(rows))).toMatch(/^<stream>:6: expected 4 columns/);
    });

    it('an empty file', async () => {
      expect(await rejectionMessage(collect(readGmbCsv(byteStream(''))))).toBe(
        "<stream>:1: the file is empty: expected the header 'Sentence #,Word,POS,Tag'",
      );
    });

    it('an invalid tag sequence, when a scheme is to be validated', async () => {
      const rows = [HEADER, 'Sentence: 7,the,DT,O', ',Red,NNP,I-org', ',Cross,NNP,I-org'];
      expect(await readRows(rows)).toHaveLength(1);
      const message = await rejectionMessage(readRows(rows, { validateScheme: 'IOB2', sourceName: 'mini.csv' }));
      expect(message).toBe("mini.csv:3: sentence 7: 'I-org' must follow B-org, not 'O'");
    });
  });

  it('names the path of a missing file', async () => {
    const error = await collect(readGmbCsv('/nonexistent/gmb/ner_dataset.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as Error).message).toBe('/nonexistent/gmb/ner_dataset.csv: cannot open: no such file (ENOENT)');
  });

  it('refuses a truncated gzip file, naming it', async () => {
    const rows = [HEADER, ...Array.from({ length: 3000 }, (_, i) => `Sentence: ${i + 1},word${i},NN,O`)];
    const compressed = gzipSync(cp1252Csv(rows));
    const path = tempFile('cut.csv.gz', compressed.subarray(0, Math.floor(compressed.length * 0.6)));
    const message = await rejectionMessage(collect(readGmbCsv(path)));
    expect(message).toMatch(/^\/.*cut\.csv\.gz: the gzip data is truncated \(unexpected end of file\): .* \(after line \d+\)$/);
  });

  it('refuses a .gz file that is not gzip', async () => {
    const path = tempFile('plain.csv.gz', cp1252Csv(CP1252_ROWS));
    expect(await rejectionMessage(collect(readGmbCsv(path)))).toBe(
      `${path}: not gzip data: expected the gzip magic bytes 1f 8b at the start`,
    );
  });
});
