/**
 * Pretrained word vectors into the tagger: the vocabulary they extend (dev/test words with a vector), the rows
 * they give (exact, else lower-case lookup), and the word embedding initialised from them in every file format,
 * with a projection when their dimension is not dModel, and frozen (non-trainable) when asked.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { useBackend } from '../../src/backend/backends.js';
import { flattenTree } from '../../src/core/tensor_tree.js';
import { nonTrainableWeights } from '../../src/core/non_trainable.js';
import { makeKey } from '../../src/rng/key.js';
import {
  addVectorWords,
  featureLayout,
  isLowercaseVectors,
  NerTaggerModel,
  readWordVectors,
  resolveNerModelConfig,
  vectorLookupForms,
  wordEmbeddingRows,
  WordVectors,
  WordVocab,
} from '../../src/ner/index.js';
import { tempDir, TINY } from './recipe/helpers.js';

const DIM = 4;
/** Deterministic vectors, exact in float32 (multiples of 1/8). */
const vectorOf = (i: number): number[] => Array.from({ length: DIM }, (_, k) => ((i * 7 + k * 3) % 17) / 8 - 1);
const FILE_WORDS = ['london', 'paris', 'the', 'visited', 'rome'];

function write(name: string, content: string | Uint8Array): string {
  const path = join(tempDir('trax-vocab-vectors-'), name);
  writeFileSync(path, content);
  return path;
}

const gloveText = (words: readonly string[], dim = DIM): string =>
  words
    .map(
      (w, i) =>
        `${w} ${vectorOf(i)
          .slice(0, dim)
          .concat(Array(Math.max(0, dim - DIM)).fill(0.5))
          .join(' ')}`,
    )
    .join('\n') + '\n';
function word2vecBinary(words: readonly string[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from(`${words.length} ${DIM}\n`)];
  words.forEach((w, i) => {
    const floats = Buffer.alloc(4 * DIM);
    vectorOf(i).forEach((v, k) => floats.writeFloatLE(v, 4 * k));
    parts.push(Buffer.from(`${w} `), floats, Buffer.from('\n'));
  });
  return Buffer.concat(parts);
}

const train = [{ words: ['London', 'is', 'big', '.'] }, { words: ['The', 'Paris', 'show', '.'] }];
const devTest = [{ words: ['Rome', 'visited', 'Atlantis', '.'] }];

describe('vectors and the vocabulary', () => {
  const vectors = new WordVectors(DIM, FILE_WORDS, Float32Array.from(FILE_WORDS.flatMap((_, i) => vectorOf(i))));
  const vocab = WordVocab.build(train, { normalizeDigits: true });

  test('lookup forms are each word as normalised and lower-cased; GloVe-like vectors are lower-case', () => {
    expect([...vectorLookupForms(train, vocab)].sort()).toEqual(
      ['.', 'big', 'is', 'london', 'London', 'paris', 'Paris', 'show', 'The', 'the'].sort(),
    );
    expect(isLowercaseVectors(vectors)).toBe(true);
    expect(isLowercaseVectors(new WordVectors(1, ['Paris'], new Float32Array(1)))).toBe(false);
  });

  test('dev/test words with a vector join the vocabulary after the training words; others stay UNK', () => {
    const { vocab: extended, added } = addVectorWords(vocab, devTest, vectors);
    expect(added).toEqual(['Rome', 'visited']);
    expect(extended.size).toBe(vocab.size + 2);
    for (let id = 0; id < vocab.size; id++) expect(extended.word(id)).toBe(vocab.word(id));
    expect(extended.has('Rome')).toBe(true);
    expect(extended.id('Atlantis')).toBe(WordVocab.UNK_ID);
  });

  test('rows: the vector of each entry, else of its lower-case form; PAD, UNK and words without one are absent', () => {
    const { vocab: extended } = addVectorWords(vocab, devTest, vectors);
    const rows = wordEmbeddingRows(extended, vectors);
    expect(rows.dim).toBe(DIM);
    for (let id = 0; id < extended.size; id++) {
      const v = vectors.get(extended.word(id).toLowerCase());
      expect(rows.present[id]).toBe(id > 1 && v ? 1 : 0);
      if (id > 1 && v) expect(Array.from(rows.values.subarray(id * DIM, (id + 1) * DIM))).toEqual(Array.from(v));
    }
    expect(rows.found).toBe(5); // London, The, Paris (lower-cased), Rome, visited
    // A cased file matches exactly first.
    const cased = new WordVectors(1, ['Paris', 'paris'], Float32Array.from([1, 2]));
    expect(Array.from(wordEmbeddingRows(WordVocab.build([{ words: ['Paris'] }]), cased).values)).toEqual([0, 0, 1]);
  });
});

describe('the word embedding starts from the vectors', () => {
  beforeAll(() => useBackend('wasm'));
  const config = resolveNerModelConfig({ ...TINY, dModel: DIM, nHeads: 2, dFf: 8, charFeatures: false });
  const WORD_EMBEDDING = '0/0/1/1/1/w';

  function initialised(cfg: typeof config, vocab: WordVocab, rows?: ReturnType<typeof wordEmbeddingRows>, freeze = false) {
    const model = NerTaggerModel(cfg, { wordVocabSize: vocab.size, charVocabSize: 4, nTags: 3 }, 'train', {
      ...(rows ? { pretrained: rows } : {}),
      freeze,
    });
    model.init({ shape: [1, 3, featureLayout(cfg).width], dtype: 'int32' }, { rng: makeKey(0) });
    return model;
  }

  test.each([
    ['glove.txt', () => gloveText(FILE_WORDS)],
    ['w2v.txt', () => `${FILE_WORDS.length} ${DIM}\n${gloveText(FILE_WORDS)}`],
    ['fasttext.vec', () => `${FILE_WORDS.length} ${DIM}\n${gloveText(FILE_WORDS)}`],
    ['w2v.bin', () => word2vecBinary(FILE_WORDS)],
    ['glove.txt.gz', () => gzipSync(gloveText(FILE_WORDS))],
  ])('%s: rows with a vector equal the file, the others the random rows of a model without vectors', async (name, content) => {
    const vocab = addVectorWords(
      WordVocab.build(train),
      devTest,
      new WordVectors(DIM, FILE_WORDS, Float32Array.from(FILE_WORDS.flatMap((_, i) => vectorOf(i)))),
    ).vocab;
    const vectors = await readWordVectors(write(name, content()), { keep: (w) => vectorLookupForms([...train, ...devTest], vocab).has(w) });
    const rows = wordEmbeddingRows(vocab, vectors);
    const table = new Map(flattenTree(initialised(config, vocab, rows).weights)).get(WORD_EMBEDDING)!;
    const plain = new Map(flattenTree(initialised(config, vocab).weights)).get(WORD_EMBEDDING)!;
    expect(table.shape).toEqual([vocab.size, DIM]);
    const got = table.arraySync() as number[][];
    const random = plain.arraySync() as number[][];
    for (let id = 0; id < vocab.size; id++) {
      const i = FILE_WORDS.indexOf(vocab.word(id).toLowerCase());
      expect(got[id]).toEqual(id > 1 && i >= 0 ? vectorOf(i) : random[id]);
    }
    expect(rows.found).toBe(5);
  });

  test('vectors of another dimension get a projection to dModel (wordVectorDim); a mismatch is refused', async () => {
    const wide = resolveNerModelConfig({ ...config, wordVectorDim: 6 });
    const vectors = await readWordVectors(write('g6.txt', gloveText(FILE_WORDS, 6)));
    const vocab = WordVocab.build(train);
    const rows = wordEmbeddingRows(vocab, vectors);
    const weights = flattenTree(initialised(wide, vocab, rows).weights);
    const table = new Map(weights).get(WORD_EMBEDDING)!;
    expect(table.shape).toEqual([vocab.size, 6]);
    expect((table.arraySync() as number[][])[vocab.id('London')]).toEqual([...vectorOf(0), 0.5, 0.5]);
    expect(weights.some(([p, t]) => p.startsWith('0/0/1/1/2/') && t.shape.join() === `6,${DIM}`)).toBe(true);
    expect(() => initialised(config, vocab, rows)).toThrow(/pretrained vectors of dimension 6 do not fit a word embedding of width 4/);
  });

  test('freeze makes the word embedding (only it) non-trainable', async () => {
    const vocab = WordVocab.build(train);
    const model = initialised(config, vocab, undefined, true);
    const frozen = nonTrainableWeights(model);
    expect(frozen).toEqual([new Map(flattenTree(model.weights)).get(WORD_EMBEDDING)]);
  });
});
