/**
 * Fuzz (property-based, fast-check) over the corpus readers: random byte strings, random GMB-CSV-like and
 * CoNLL-like texts, and mutations of valid files. Every case ends in sentences or a `CorpusError`, never another
 * exception or a hang; a well-formed generated corpus reads back exactly as generated (no silent wrong read).
 * Seeded: the same cases every run.
 */
import fc from 'fast-check';
import { collect } from '../../src/ner/corpus/collect.js';
import { CorpusError } from '../../src/ner/corpus/corpus_error.js';
import { readConll } from '../../src/ner/corpus/read_conll.js';
import { readGmbCsv } from '../../src/ner/corpus/read_gmb_csv.js';
import { readText } from '../../src/ner/corpus/read_text.js';
import type { Sentence } from '../../src/ner/sentence.js';
import { byteStream } from '../ner/helpers.js';
import { HANG_GUARD_MS } from '../helpers/hang_guard.js';

/** Hang guard per case: a case reads a few hundred bytes in well under a millisecond. */
const CASE_TIMEOUT_MS = 120_000;
const RUNS = 2000;
jest.setTimeout(HANG_GUARD_MS);

type Outcome = { sentences: Sentence[] } | { error: CorpusError };

/** Reads with `read`; a CorpusError is an outcome, anything else fails the property. */
async function outcome(read: () => Promise<Sentence[]>): Promise<Outcome> {
  try {
    const sentences = await read();
    for (const s of sentences) {
      expect(s.words.length).toBeGreaterThan(0);
      expect(s.tags).toHaveLength(s.words.length);
      for (const w of s.words) expect(w).not.toBe('');
      for (const t of s.tags) expect(t).not.toBe('');
    }
    return { sentences };
  } catch (error) {
    if (error instanceof CorpusError) {
      // One short line: the source, the line, the problem and at most a short excerpt of the text.
      expect(error.message.length).toBeLessThan(300);
      return { error };
    }
    throw error;
  }
}

const TAGS = ['O', 'B-geo', 'I-geo', 'B-per', 'I-per', 'B-org', 'I-tim'];
const word = fc.oneof(
  fc.constantFrom('London', 'Bush', 'a', '.', ',', '"', 'Zürich', "don't", '5,000', 'x"y', '—', '😀'),
  // NUL is matched on purpose: the readers split on whitespace and refuse a NUL byte (a binary file), so valid words
  // carry neither.
  // eslint-disable-next-line no-control-regex
  fc.string({ minLength: 1, maxLength: 6 }).filter((w) => !/[\s\u0000]/.test(w)),
);
/** Valid sentences: IOB2 tags (I-X only after B-X or I-X). */
const sentences = fc.array(
  fc.array(fc.tuple(word, fc.constantFrom(...TAGS)), { minLength: 1, maxLength: 6 }).map((tokens) => {
    const words = tokens.map(([w]) => w);
    const tags = tokens.map(([, t]) => t);
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i]!;
      if (tag.startsWith('I-') && !(i > 0 && tags[i - 1]!.slice(2) === tag.slice(2) && tags[i - 1] !== 'O')) tags[i] = `B-${tag.slice(2)}`;
    }
    return { words, tags };
  }),
  { minLength: 1, maxLength: 5 },
);

function csvField(w: string): string {
  return /[",\r\n]/.test(w) ? `"${w.replace(/"/g, '""')}"` : w;
}
function gmbCsvOf(ss: ReadonlyArray<{ words: string[]; tags: string[] }>, crlf: boolean): string {
  const rows = ['Sentence #,Word,POS,Tag'];
  ss.forEach((s, i) => s.words.forEach((w, t) => rows.push(`${t === 0 ? `Sentence: ${i + 1}` : ''},${csvField(w)},NN,${s.tags[t]}`)));
  const eol = crlf ? '\r\n' : '\n';
  return rows.join(eol) + eol;
}
function conllOf(ss: ReadonlyArray<{ words: string[]; tags: string[] }>, docstart: boolean): string {
  return (docstart ? '-DOCSTART- O\n\n' : '') + ss.map((s) => s.words.map((w, t) => `${w} ${s.tags[t]}`).join('\n')).join('\n\n') + '\n';
}

/** A text edited at random places: characters inserted, deleted or replaced by CSV/CoNLL-significant ones. */
const edits = fc.array(
  fc.tuple(
    fc.nat(),
    fc.constantFrom('insert', 'delete', 'replace'),
    fc.constantFrom(',', '"', '\n', '\r', ' ', '\t', 'B-', 'I-x', 'Sentence: 1', '\u0000', 'é', '\uFFFD', ''),
  ),
  { maxLength: 6 },
);
function mutate(text: string, list: ReadonlyArray<[number, string, string]>): string {
  let out = text;
  for (const [at, kind, piece] of list) {
    const i = out.length === 0 ? 0 : at % out.length;
    out =
      kind === 'insert'
        ? out.slice(0, i) + piece + out.slice(i)
        : kind === 'delete'
          ? out.slice(0, i) + out.slice(i + 1)
          : out.slice(0, i) + piece + out.slice(i + 1);
  }
  return out;
}

/** Random bytes, random text, and binary junk after a valid start (a header, a token line), as a mislabelled file has. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 1200 }),
  fc.string({ maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
  fc
    .tuple(
      fc.constantFrom('Sentence #,Word,POS,Tag\n', 'Sentence #,Word,POS,Tag\nSentence: 1,', 'London B-geo\n', 'a O\n\n'),
      fc.uint8Array({ minLength: 200, maxLength: 1200 }),
    )
    .map(([start, junk]) => new Uint8Array([...new TextEncoder().encode(start), ...junk.map((b) => (b === 10 ? 32 : b))])),
);
const chunkSize = fc.integer({ min: 1, max: 64 });

const gmb = (data: Uint8Array | string, chunk: number): Promise<Sentence[]> =>
  collect(readGmbCsv(byteStream(data, chunk), { includePos: false, validateScheme: 'IOB2' }));
const conll = (data: Uint8Array | string, chunk: number): Promise<Sentence[]> =>
  collect(readConll(byteStream(data, chunk), { validateScheme: 'IOB2' }));
const same = (got: Sentence[], want: ReadonlyArray<{ words: string[]; tags: string[] }>): void => {
  expect(got.map((s) => ({ words: s.words, tags: s.tags }))).toEqual(want);
};

describe('fuzz: the GMB CSV reader', () => {
  test(`${RUNS} random byte strings: sentences or a CorpusError`, async () => {
    await fc.assert(
      fc.asyncProperty(bytes, chunkSize, async (data, chunk) => void (await outcome(() => gmb(data, chunk)))),
      { numRuns: RUNS, seed: 1801, timeout: CASE_TIMEOUT_MS },
    );
  });

  test(`${RUNS} generated corpora read back exactly; mutated ones give sentences or a CorpusError`, async () => {
    await fc.assert(
      fc.asyncProperty(sentences, fc.boolean(), edits, chunkSize, async (ss, crlf, list, chunk) => {
        const text = gmbCsvOf(ss, crlf);
        const clean = await outcome(() => gmb(text, chunk));
        expect('error' in clean ? clean.error.message : '').toBe('');
        if ('sentences' in clean) same(clean.sentences, ss);
        await outcome(() => gmb(mutate(text, list), chunk));
      }),
      { numRuns: RUNS, seed: 1802, timeout: CASE_TIMEOUT_MS },
    );
  });
});

describe('fuzz: the CoNLL reader', () => {
  test(`${RUNS} random byte strings: sentences or a CorpusError`, async () => {
    await fc.assert(
      fc.asyncProperty(bytes, chunkSize, async (data, chunk) => void (await outcome(() => conll(data, chunk)))),
      { numRuns: RUNS, seed: 1803, timeout: CASE_TIMEOUT_MS },
    );
  });

  test(`${RUNS} generated corpora read back exactly; mutated ones give sentences or a CorpusError`, async () => {
    await fc.assert(
      fc.asyncProperty(sentences, fc.boolean(), edits, chunkSize, async (ss, docstart, list, chunk) => {
        // CoNLL separates columns by whitespace: words here have none (the generator filters them).
        const text = conllOf(ss, docstart);
        const clean = await outcome(() => conll(text, chunk));
        expect('error' in clean ? clean.error.message : '').toBe('');
        if ('sentences' in clean) same(clean.sentences, ss);
        await outcome(() => conll(mutate(text, list), chunk));
      }),
      { numRuns: RUNS, seed: 1804, timeout: CASE_TIMEOUT_MS },
    );
  });
});

describe('fuzz: the text reader of predict --file', () => {
  test(`${RUNS} random byte strings: a string or a CorpusError; valid UTF-8 reads back exactly`, async () => {
    await fc.assert(
      fc.asyncProperty(bytes, chunkSize, fc.string({ maxLength: 80 }), async (data, chunk, valid) => {
        try {
          expect(typeof (await readText(byteStream(data, chunk)))).toBe('string');
        } catch (error) {
          if (!(error instanceof CorpusError)) throw error;
        }
        if (!valid.includes('\u0000')) expect(await readText(byteStream(valid, chunk))).toBe(valid.replace(/^\uFEFF/, ''));
      }),
      { numRuns: RUNS, seed: 1805, timeout: CASE_TIMEOUT_MS },
    );
  });
});
