/**
 * Streaming reader for the GMB NER corpus CSV (`ner_dataset.csv`, Kaggle "Annotated Corpus for Named Entity
 * Recognition"): `Sentence #,Word,POS,Tag`, where `Sentence #` is filled (`Sentence: 1`) only on a sentence's
 * first row.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import type { Sentence } from '../sentence.js';
import { tryParseTag } from '../tags/parse_tag.js';
import { findTagProblems, type TagScheme } from '../tags/tag_scheme.js';
import { CorpusError, excerpt } from './corpus_error.js';
import { sourceNameOf, type CorpusSource } from './corpus_source.js';
import { sourceBytes } from './source_bytes.js';
import { decodeText, type TextEncodingName } from './text_encoding.js';

/** The header row the GMB CSV starts with. @public */
export const GMB_CSV_HEADER: readonly string[] = ['Sentence #', 'Word', 'POS', 'Tag'];

/**
 * Sentences per document in the GMB CSV, which records no documents: document k (`'1'`, `'2'`, ...) is the k-th run
 * of this many consecutive sentences of the file (the CSV keeps the corpus's order, so a run is mostly one
 * article's, or two neighbouring ones'). The block split (`splitCorpusByBlocks`) keeps each run in one part.
 * @public
 */
export const GMB_DOCUMENT_SENTENCES = 10;

/** Options of {@link readGmbCsv}. @public */
export interface ReadGmbCsvOptions {
  /** 'auto' (default): UTF-8 when the bytes are valid UTF-8, else Windows-1252. See `TextEncodingName`. */
  readonly encoding?: TextEncodingName;
  /** Whether sentences carry their POS tags (default true). */
  readonly includePos?: boolean;
  /** Name used in errors for a stream source (default: the path, or `<stream>`). */
  readonly sourceName?: string;
  /** When given, every sentence's tags must be a valid sequence in this scheme; the first problem is an error. */
  readonly validateScheme?: TagScheme;
  /** Sentences per document (default {@link GMB_DOCUMENT_SENTENCES}): the documents are runs of this many sentences. */
  readonly documentSentences?: number;
}

interface SentenceInProgress {
  readonly id: string;
  readonly words: string[];
  readonly tags: string[];
  readonly pos: string[];
  readonly lines: number[];
}

const SENTENCE_ID = /^Sentence:\s*(.*?)\s*$/;

function sentenceIdOf(field: string): string {
  const match = SENTENCE_ID.exec(field);
  return match ? match[1]! : field.trim();
}

function newlinesIn(record: readonly string[]): number {
  let count = 0;
  for (const field of record) for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) count++;
  return count;
}

function finish(sentence: SentenceInProgress, includePos: boolean, ordinal: number, documentSentences: number): Sentence {
  const place = { document: String(Math.floor(ordinal / documentSentences) + 1), position: ordinal % documentSentences };
  return includePos
    ? { id: sentence.id, words: sentence.words, tags: sentence.tags, pos: sentence.pos, ...place }
    : { id: sentence.id, words: sentence.words, tags: sentence.tags, ...place };
}

/**
 * Reads the GMB CSV (`.csv` or `.csv.gz`, from a path or a byte stream) as an async iterable of sentences,
 * parsing with csv-parse in streaming mode, so the file is never held in memory whole.
 *
 * Accepts LF or CRLF line ends, CSV-quoted words (`","`, `""""`), latin-1/cp1252 or UTF-8 text. Sentence ids
 * are the text after `Sentence:` (`'1'` for `Sentence: 1`); documents are runs of consecutive sentences
 * ({@link GMB_DOCUMENT_SENTENCES}). Refused, with a {@link CorpusError} naming the
 * source, the line and the problem: a missing file, a header other than `Sentence #,Word,POS,Tag`, a row
 * without exactly 4 columns, a continuation row (empty `Sentence #`) before the first sentence id, an empty
 * word, POS or tag, a tag that is not `O` or `PREFIX-TYPE`, a repeated sentence id, malformed CSV quoting,
 * truncated or corrupt gzip. Blank lines are skipped.
 *
 * The shipped corpus ends at Excel's row limit, so its last sentence may be cut short; it is yielded as is.
 * @public
 */
export async function* readGmbCsv(source: CorpusSource, options: ReadGmbCsvOptions = {}): AsyncGenerator<Sentence> {
  const name = sourceNameOf(source, options.sourceName);
  const includePos = options.includePos ?? true;
  const documentSentences = options.documentSentences ?? GMB_DOCUMENT_SENTENCES;
  if (!Number.isSafeInteger(documentSentences) || documentSentences < 1) {
    throw new RangeError(`readGmbCsv: documentSentences must be an integer >= 1, got ${JSON.stringify(options.documentSentences)}`);
  }
  let ordinal = 0;
  // Line numbers are counted here rather than with csv-parse's `info` option, which costs a third of the time.
  const parser = parse({ relax_column_count: true });
  const text = Readable.from(decodeText(sourceBytes(source, name), name, { encoding: options.encoding }), { objectMode: false });
  const feeding = pipeline(text, parser).catch(() => {
    // The error reaches the loop below through the parser.
  });
  const seenIds = new Map<string, number>();
  let current: SentenceInProgress | undefined;
  let lastLine = 0;
  let headerSeen = false;

  const fail = (line: number, problem: string): never => {
    throw new CorpusError(name, line, problem);
  };
  const checkScheme = (sentence: SentenceInProgress): void => {
    if (!options.validateScheme) return;
    const [problem] = findTagProblems(sentence.tags, options.validateScheme);
    if (problem) fail(sentence.lines[problem.index]!, `sentence ${sentence.id}: ${problem.problem}`);
  };

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = lastLine + 1;
      lastLine = line + newlinesIn(record);
      if (record.length === 1 && record[0] === '') continue; // a blank line
      if (!headerSeen) {
        headerSeen = true;
        if (record.join(',') !== GMB_CSV_HEADER.join(',')) {
          fail(line, `expected the header '${GMB_CSV_HEADER.join(',')}', got ${excerpt(record.join(','))}`);
        }
        continue;
      }
      if (record.length !== GMB_CSV_HEADER.length) {
        fail(
          line,
          `expected 4 columns (Sentence #, Word, POS, Tag), got ${record.length}: ${record.join(',').length <= 100 ? JSON.stringify(record) : excerpt(record.join(','))}`,
        );
      }
      const [idField, word, pos, tag] = record as [string, string, string, string];
      if (idField.trim() !== '') {
        if (current) {
          checkScheme(current);
          yield finish(current, includePos, ordinal++, documentSentences);
        }
        const id = sentenceIdOf(idField);
        const firstLine = seenIds.get(id);
        if (firstLine !== undefined) fail(line, `sentence id '${id}' repeats (first at line ${firstLine})`);
        seenIds.set(id, line);
        current = { id, words: [], tags: [], pos: [], lines: [] };
      } else if (!current) {
        fail(line, "a continuation row (empty 'Sentence #') comes before any sentence id ('Sentence: N')");
      }
      if (word === '') fail(line, 'empty word');
      if (pos === '') fail(line, `empty POS tag for the word ${excerpt(word)}`);
      if (tag === '') fail(line, `empty tag for the word ${excerpt(word)}`);
      if (!tryParseTag(tag)) fail(line, `${excerpt(tag)} is not a tag (expected 'O' or PREFIX-TYPE such as 'B-geo')`);
      current!.words.push(word);
      current!.tags.push(tag);
      current!.pos.push(pos);
      if (options.validateScheme) current!.lines.push(line);
    }
    if (!headerSeen) fail(1, `the file is empty: expected the header '${GMB_CSV_HEADER.join(',')}'`);
    if (current) {
      checkScheme(current);
      yield finish(current, includePos, ordinal++, documentSentences);
    }
  } catch (error) {
    if (error instanceof CorpusError) {
      throw error.line === undefined && lastLine > 0
        ? new CorpusError(name, undefined, `${error.problem} (after line ${lastLine})`, { cause: error })
        : error;
    }
    if (error instanceof CsvError) {
      if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
        throw new CorpusError(name, lastLine + 1, 'malformed CSV: a quote opened in this row is never closed', { cause: error });
      }
      const line = (error as CsvError & { lines?: number }).lines ?? lastLine + 1;
      // csv-parse quotes the whole field it stopped in; keep its reason and a short excerpt.
      const [reason, value] = error.message.split(/, value is /);
      throw new CorpusError(
        name,
        line,
        `malformed CSV: ${reason}${value === undefined ? '' : `, at ${excerpt(value.replace(/^"|"$/g, ''), 40)}`}`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    text.destroy();
    parser.destroy();
    await feeding;
  }
}
