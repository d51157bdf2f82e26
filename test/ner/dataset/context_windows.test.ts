/** Document-context windows on a hand-computed document, and the examples built from them. */
import { contextWindow, contextWindows, documentRuns, windowTokens } from '../../../src/ner/dataset/context_windows.js';
import { encodeExamples } from '../../../src/ner/dataset/examples.js';
import { buildNerVocabs } from '../../../src/ner/dataset/vocabs.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import type { Sentence } from '../../../src/ner/sentence.js';
import type { NDArray } from '../../../src/data/ndarray.js';

// A document of 4 sentences of 3, 5, 2 and 4 tokens: document tokens 0-2, 3-7, 8-9, 10-13 (14 in all).
const LENGTHS = [3, 5, 2, 4];
const DOC = LENGTHS.map((n, s) => Array.from({ length: n }, (_, t) => `s${s}t${t}`));

describe('contextWindow', () => {
  test('a target in the middle gets half of the remaining budget on each side (left rounded down)', () => {
    // Sentence 1 (tokens 3-7), 10 tokens: 5 left over, 2 to the left (tokens 1-2), 3 to the right (8-10).
    expect(contextWindow(LENGTHS, 1, 10)).toEqual({ sentence: 1, start: 1, end: 11, targetStart: 2, targetEnd: 7 });
    // Sentence 2 (tokens 8-9), 6 tokens: 2 left (6-7), 2 right (10-11).
    expect(contextWindow(LENGTHS, 2, 6)).toEqual({ sentence: 2, start: 6, end: 12, targetStart: 2, targetEnd: 4 });
  });

  test('at the document start or end the unused side goes to the other side', () => {
    // Sentence 0 (tokens 0-2), 8 tokens: nothing to the left, 5 to the right (3-7).
    expect(contextWindow(LENGTHS, 0, 8)).toEqual({ sentence: 0, start: 0, end: 8, targetStart: 0, targetEnd: 3 });
    // Sentence 3 (tokens 10-13), 9 tokens: nothing to the right, 5 to the left (5-9).
    expect(contextWindow(LENGTHS, 3, 9)).toEqual({ sentence: 3, start: 5, end: 14, targetStart: 5, targetEnd: 9 });
  });

  test('a window larger than the document is the whole document', () => {
    expect(contextWindow(LENGTHS, 2, 100)).toEqual({ sentence: 2, start: 0, end: 14, targetStart: 8, targetEnd: 10 });
  });

  test('a window no larger than the sentence is the sentence alone; 0 means every sentence alone', () => {
    expect(contextWindow(LENGTHS, 1, 5)).toEqual({ sentence: 1, start: 3, end: 8, targetStart: 0, targetEnd: 5 });
    expect(contextWindow(LENGTHS, 1, 3)).toEqual({ sentence: 1, start: 3, end: 8, targetStart: 0, targetEnd: 5 });
    expect(contextWindows(LENGTHS, 0).map((w) => [w.start, w.end])).toEqual([
      [0, 3],
      [3, 8],
      [8, 10],
      [10, 14],
    ]);
  });

  test('the context is cut at token level and the window tokens are the document tokens it spans', () => {
    const w = contextWindow(LENGTHS, 1, 7); // 2 left over: 1 left (token 2), 1 right (token 8)
    expect(windowTokens(DOC, w)).toEqual(['s0t2', 's1t0', 's1t1', 's1t2', 's1t3', 's1t4', 's2t0']);
    expect(windowTokens(DOC, w).slice(w.targetStart, w.targetEnd)).toEqual(DOC[1]);
  });

  test('bad arguments are refused', () => {
    expect(() => contextWindow(LENGTHS, 4, 8)).toThrow(/sentence 4 is outside a document of 4 sentences/);
    expect(() => contextWindow(LENGTHS, 0, -1)).toThrow(/contextTokens must be an integer >= 0/);
  });
});

describe('documentRuns', () => {
  test('runs of consecutive equal documents; undefined ones together', () => {
    expect(documentRuns(6, (i) => ['a', 'a', 'b', 'a', undefined, undefined][i])).toEqual([[0, 1], [2], [3], [4, 5]]);
  });
});

describe('encodeExamples with contextTokens', () => {
  const sentences: Sentence[] = [
    { id: '1', document: 'd1', position: 0, words: ['John', 'lives', 'here', '.'], tags: ['B-per', 'O', 'O', 'O'] },
    { id: '2', document: 'd1', position: 1, words: ['He', 'left', 'Paris', '.'], tags: ['O', 'O', 'B-geo', 'O'] },
    { id: '3', document: 'd2', position: 0, words: ['NATO', 'met', '.'], tags: ['B-org', 'O', 'O'] },
  ];
  const config = { wordShapes: false, charFeatures: false, maxWordLength: 4, contextTokens: 6 };
  const vocabs = buildNerVocabs(sentences, sentences);

  test('one example per sentence, inside its document only, weights 1 on the target and the target flag column', () => {
    const examples = encodeExamples(sentences, vocabs, config);
    expect(featureLayout(config)).toEqual({ width: 2, shapeColumn: -1, charColumn: -1, targetColumn: 1 });
    expect(examples.map((e) => e[0]!.shape)).toEqual([
      [6, 2],
      [6, 2],
      [3, 2],
    ]);
    // Sentence 1: 2 tokens of context, all to the right (the document starts here).
    const [features, tags, weights] = examples[0]! as [NDArray, NDArray, NDArray];
    const rows = Array.from({ length: 6 }, (_, t) => [features.data[2 * t], features.data[2 * t + 1]]);
    expect(rows.map((r) => r[0])).toEqual(['John', 'lives', 'here', '.', 'He', 'left'].map((w) => vocabs.words.id(w)));
    expect(rows.map((r) => r[1])).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(weights.data)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(tags.data)).toEqual(vocabs.tags.encode(['B-per', 'O', 'O', 'O', 'O', 'O']));
    // Sentence 2: context on the left (the document ends here); sentence 3 (its own document) alone.
    expect(Array.from(examples[1]![2]!.data)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(Array.from(examples[2]![2]!.data)).toEqual([1, 1, 1]);
  });

  test('contextTokens 0 gives the sentence-level examples (no target column)', () => {
    const examples = encodeExamples(sentences, vocabs, { ...config, contextTokens: 0 });
    expect(examples.map((e) => e[0]!.shape)).toEqual([
      [4, 1],
      [4, 1],
      [3, 1],
    ]);
  });
});
