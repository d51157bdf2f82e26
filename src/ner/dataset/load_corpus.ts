/**
 * Reading a tagged corpus file and splitting it (Node only: reads files).
 */
import { collect } from '../corpus/collect.js';
import { CorpusError } from '../corpus/corpus_error.js';
import { readConll, type ReadConllOptions } from '../corpus/read_conll.js';
import { readGmbCsv } from '../corpus/read_gmb_csv.js';
import { type CorpusSplit, splitCorpus } from '../corpus/split_corpus.js';
import { splitCorpusByBlocks } from '../corpus/split_blocks.js';
import type { Sentence } from '../sentence.js';

/** The file formats {@link readNerCorpus} reads. @public */
export type NerCorpusFormat = 'gmb' | 'conll';

/** Options of {@link readNerCorpus}. @public */
export interface ReadNerCorpusOptions {
  /** The format (default: `gmb` for `.csv` / `.csv.gz` files, else `conll`). */
  readonly format?: NerCorpusFormat;
  /** Read at most this many sentences (for quick runs and tests). */
  readonly limit?: number;
  /** Options of the CoNLL reader. */
  readonly conll?: ReadConllOptions;
}

/** The format of a corpus file by its name. @public */
export function corpusFormatOf(path: string): NerCorpusFormat {
  return /\.csv(\.gz)?$/i.test(path) ? 'gmb' : 'conll';
}

/**
 * Every sentence of a GMB CSV or CoNLL file (plain or gzip). Refused with a `CorpusError` naming the file (and
 * line): a missing or malformed file, an empty corpus, a sentence whose tags are not valid IOB2 (the scheme the
 * tagger is trained and scored in; convert IOB1/IOBES files with `convertTags` first).
 * @public
 */
export async function readNerCorpus(path: string, options: ReadNerCorpusOptions = {}): Promise<Sentence[]> {
  const format = options.format ?? corpusFormatOf(path);
  const reader =
    format === 'gmb'
      ? readGmbCsv(path, { includePos: false, validateScheme: 'IOB2' })
      : readConll(path, { ...options.conll, validateScheme: 'IOB2' });
  let sentences: Sentence[];
  try {
    sentences = await collect(reader, options.limit ?? Infinity);
  } catch (error) {
    // The readers name the line; the tagger's scheme is the reason the sequence is refused.
    if (error instanceof CorpusError && /^sentence [^:]+: /.test(error.problem) && error.line !== undefined) {
      throw new CorpusError(error.source, error.line, `${error.problem} (the tagger needs IOB2 tags)`, { cause: error });
    }
    throw error;
  }
  if (sentences.length === 0) throw new CorpusError(path, undefined, 'the corpus has no sentences');
  return sentences;
}

/** The recipe's fixed split: seed 1 and 80/10/10 (by sentence, or by block with `split: 'blocks'`). @public */
export const NER_SPLIT = Object.freeze({ seed: 1, fractions: [0.8, 0.1, 0.1] as [number, number, number] });

/**
 * How {@link loadNerSplits} splits a corpus: `'sentences'` (the default): `splitCorpus`, each sentence on its own;
 * `'blocks'`: `splitCorpusByBlocks` over the documents (CoNLL `-DOCSTART-` documents; GMB runs of
 * `GMB_DOCUMENT_SENTENCES` sentences), so that no dev or test sentence has a training sentence in its document.
 * @public
 */
export type NerSplitKind = 'sentences' | 'blocks';

/** Options of {@link loadNerSplits}. @public */
export interface LoadNerSplitsOptions extends ReadNerCorpusOptions {
  /** Seed of the split (default {@link NER_SPLIT}'s, 1). */
  readonly seed?: number;
  /** By sentence (default) or by block (document). */
  readonly split?: NerSplitKind;
  /** A file of dev sentences: the corpus then gives no dev part (its share goes to train). */
  readonly dev?: string;
  /** A file of test sentences: the corpus then gives no test part (its share goes to train). */
  readonly test?: string;
}

/** The split fractions when some parts come from files of their own: their 10% goes to train. */
export function nerSplitFractions(devGiven: boolean, testGiven: boolean): [number, number, number] {
  if (!devGiven && !testGiven) return [...NER_SPLIT.fractions];
  const [, dev, test] = NER_SPLIT.fractions;
  const devShare = devGiven ? 0 : dev;
  const testShare = testGiven ? 0 : test;
  return [1 - devShare - testShare, devShare, testShare];
}

/**
 * Reads a corpus and splits it with the recipe's fixed, documented split ({@link NER_SPLIT}: seed 1, 80% train,
 * 10% dev, 10% test, by sentence (`splitCorpus`) or by block (`splitCorpusByBlocks`, `split: 'blocks'`)).
 * With `dev` and/or `test` files, those parts are read from them (with the same reader options and limit) and the
 * corpus is split into the remaining parts only: 90/10 with one file given, all of it for training with both.
 * `all` holds every sentence read, the files' included.
 * @public
 */
export async function loadNerSplits(
  path: string,
  options: LoadNerSplitsOptions = {},
): Promise<CorpusSplit<Sentence> & { all: Sentence[] }> {
  const { seed = NER_SPLIT.seed, split = 'sentences', dev: devPath, test: testPath, ...read } = options;
  if (split !== 'sentences' && split !== 'blocks')
    throw new RangeError(`loadNerSplits: split must be 'sentences' or 'blocks', got ${JSON.stringify(split)}`);
  const corpus = await readNerCorpus(path, read);
  const fractions = nerSplitFractions(devPath !== undefined, testPath !== undefined);
  const parts =
    split === 'blocks'
      ? splitCorpusByBlocks(corpus, { seed, fractions, blockOf: (s) => s.document ?? s.id })
      : splitCorpus(corpus, { seed, fractions });
  const dev = devPath === undefined ? parts.dev : await readNerCorpus(devPath, { ...read, format: corpusFormatOf(devPath) });
  const test = testPath === undefined ? parts.test : await readNerCorpus(testPath, { ...read, format: corpusFormatOf(testPath) });
  return {
    all: devPath === undefined && testPath === undefined ? corpus : [...corpus, ...(devPath ? dev : []), ...(testPath ? test : [])],
    train: parts.train,
    dev,
    test,
  };
}
