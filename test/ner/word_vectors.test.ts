/**
 * Pretrained word vectors: every format (GloVe text, word2vec text, fastText .vec, word2vec binary), plain and
 * gzip, on small generated files; chunking, filtering, lower-casing; each malformed case named with file and line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CorpusError, readWordVectors, WordVectorsParser, wordVectorsFormatOf } from '../../src/ner/index.js';
import { tempDir } from './recipe/helpers.js';

const WORDS = ['the', 'Cat', 'sat', 'New York'];
const VECTORS = [
  [0.5, -1.25, 3],
  [1e-3, 2.5, -0.75],
  [0, 0, 1],
  [4, 5, 6],
];

const glove = WORDS.map((w, i) => `${w} ${VECTORS[i]!.join(' ')}`).join('\n') + '\n';
const word2vecText = `${WORDS.length} 3\n${glove}`;

function word2vecBinary(): Uint8Array {
  const parts: Buffer[] = [Buffer.from(`${WORDS.length} 3\n`)];
  // word2vec's binary words cannot hold spaces: 'New York' is written 'New_York' there.
  WORDS.forEach((word, i) => {
    const w = word.replace(/ /g, '_');
    const floats = Buffer.alloc(12);
    VECTORS[i]!.forEach((v, k) => floats.writeFloatLE(v, k * 4));
    parts.push(Buffer.from(`${w} `), floats, Buffer.from('\n'));
  });
  return Buffer.concat(parts);
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(tempDir('trax-vectors-'), name);
  writeFileSync(path, content);
  return path;
}

const asRows = (v: { words: readonly string[]; get(w: string): Float32Array | undefined }) =>
  v.words.map((w) => [w, Array.from(v.get(w)!)]);
const expected = WORDS.map((w, i) => [w, VECTORS[i]!.map((x) => Math.fround(x))]);
const expectedBinary = expected.map(([w, v]) => [(w as string).replace(/ /g, '_'), v]);

describe('readWordVectors', () => {
  test.each([
    ['glove.txt', glove],
    ['vectors.vec', word2vecText],
    ['w2v.txt', word2vecText],
    ['w2v.bin', word2vecBinary()],
    ['glove.txt.gz', gzipSync(glove)],
    ['vectors.vec.gz', gzipSync(word2vecText)],
    ['w2v.bin.gz', gzipSync(word2vecBinary())],
  ] as const)('%s: every word and value, in file order', async (name, content) => {
    const vectors = await readWordVectors(file(name, content));
    expect(vectors.dim).toBe(3);
    expect(asRows(vectors)).toEqual(name.includes('.bin') ? expectedBinary : expected);
    expect(vectors.indexOf('sat')).toBe(2);
    expect(vectors.get('dog')).toBeUndefined();
  });

  test('the format follows the name (.bin, .bin.gz: binary) unless given', () => {
    expect(['a.bin', 'a.BIN.gz', 'a.txt', 'a.vec.gz'].map(wordVectorsFormatOf)).toEqual([
      'word2vec-binary',
      'word2vec-binary',
      'text',
      'text',
    ]);
  });

  test('keep and lowercase: only the words asked for, the first vector of a lower-cased word wins', async () => {
    const text = `${glove}cat 9 9 9\n`;
    const vectors = await readWordVectors(file('g.txt', text), { lowercase: true, keep: (w) => w !== 'sat' });
    expect(vectors.words).toEqual(['the', 'cat', 'new york']);
    expect(Array.from(vectors.get('cat')!)).toEqual([1e-3, 2.5, -0.75].map(Math.fround));
  });

  test('any chunking gives the same vectors (byte by byte)', () => {
    for (const [format, bytes] of [
      ['text', new TextEncoder().encode(word2vecText)],
      ['word2vec-binary', word2vecBinary()],
    ] as const) {
      const parser = new WordVectorsParser('x', { format });
      for (let i = 0; i < bytes.length; i++) parser.push(bytes.subarray(i, i + 1));
      expect(asRows(parser.finish())).toEqual(format === 'text' ? expected : expectedBinary);
    }
  });
});

describe('malformed word-vector files are refused with file and line', () => {
  const refuse = async (name: string, content: string | Uint8Array, pattern: RegExp, options = {}) => {
    const path = file(name, content);
    const error = await readWordVectors(path, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorpusError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message.startsWith(path)).toBe(true);
  };

  test('a short line', () => refuse('g.txt', 'the 1 2 3\ncat 1 2\n', /:2: expected a word and 3 numbers, got 3 fields/));
  test('a value that is not a number', () => refuse('g.txt', 'the 1 2 3\ncat 1 x 3\n', /:2: value 2 of 'cat' is not a finite number: 'x'/));
  test('a dimension other than expected', () => refuse('g.txt', glove, /:1: vectors of dimension 3, expected 100/, { expectedDim: 100 }));
  test('fewer vectors than the header says', () => refuse('v.vec', `9 3\n${glove}`, /header announces 9 vectors but the file has 4/));
  test('an empty file', () => refuse('g.txt', '', /no vectors: the file is empty/));
  test('a truncated binary file', () => refuse('w.bin', word2vecBinary().subarray(0, 30), /vector \d of 4 is truncated/));
  test('a binary file without its header', () =>
    refuse('w.bin', new Uint8Array([1, 2, 3, 10, 4]), /:1: expected the header line 'count dim'/));
  test('a corrupt gzip file', () => refuse('g.txt.gz', gzipSync(glove).subarray(0, 20), /gzip data is truncated/));
  test('a missing file', () =>
    refuse('g.txt', glove, /no such file/)
      .catch(() => undefined)
      .then(async () => {
        const error = await readWordVectors('/nonexistent/glove.txt').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as Error).message).toMatch(/^\/nonexistent\/glove\.txt: cannot open: no such file/);
      }));
});
