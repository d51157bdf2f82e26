/**
 * Reading a tagged corpus file and splitting it (Node only: reads files).
 */
import { collect } from '../corpus/collect.js';
import { CorpusError } from '../corpus/corpus_error.js';
import { readConll, type ReadConllOptions } from '../corpus/read_conll.js';
import { readGmbCsv } from '../corpus/read_gmb_csv.js';
import { type CorpusSplit, splitCorpus } from '../corpus/split_corpus.js';
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
  const reader = format === 'gmb' ? readGmbCsv(path, { includePos: false, validateScheme: 'IOB2' }) : readConll(path, { ...options.conll, validateScheme: 'IOB2' });
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

/** The recipe's fixed split: {@link splitCorpus} with seed 1 and 80/10/10 by sentence. @public */
export const NER_SPLIT = Object.freeze({ seed: 1, fractions: [0.8, 0.1, 0.1] as [number, number, number] });

/**
 * Reads a corpus and splits it with the recipe's fixed, documented split ({@link NER_SPLIT}: `splitCorpus` with
 * seed 1, 80% train, 10% dev, 10% test, by sentence).
 * @public
 */
export async function loadNerSplits(path: string, options: ReadNerCorpusOptions & { seed?: number } = {}): Promise<CorpusSplit<Sentence> & { all: Sentence[] }> {
  const all = await readNerCorpus(path, options);
  return { all, ...splitCorpus(all, { seed: options.seed ?? NER_SPLIT.seed, fractions: NER_SPLIT.fractions }) };
}
