/**
 * Streaming reader for CoNLL column files: one token per line, columns separated by spaces or tabs, a blank
 * line between sentences, `-DOCSTART-` lines between documents (CoNLL-2000/2003 NER and chunking, conlleval
 * input, the eval fixture's `word<TAB>gold<TAB>predicted`).
 */

import type { Sentence } from '../sentence.js';
import { CorpusError, excerpt } from './corpus_error.js';
import { sourceNameOf, type CorpusSource } from './corpus_source.js';
import { sourceBytes } from './source_bytes.js';
import { textLines } from './text_lines.js';
import { decodeText, type TextEncodingName } from './text_encoding.js';
import { findTagProblems, type TagScheme } from '../tags/tag_scheme.js';

/** Options of {@link readConll}. @public */
export interface ReadConllOptions {
  /** Column of the tag, 0-based; negative counts from the end (default -1: the last column). */
  readonly tagColumn?: number;
  /** Column of the word, 0-based (default 0). */
  readonly wordColumn?: number;
  /** Column of the POS tag, when the file has one (CoNLL-2003: 1). Negative counts from the end. */
  readonly posColumn?: number;
  /** 'whitespace' (default): columns are separated by runs of spaces and/or tabs; 'tab': by single tabs. */
  readonly separator?: 'whitespace' | 'tab';
  /** 'auto' (default): UTF-8 when valid, else Windows-1252. */
  readonly encoding?: TextEncodingName;
  /** Name used in errors for a stream source (default: the path, or `<stream>`). */
  readonly sourceName?: string;
  /** When given, every sentence's tags must be a valid sequence in this scheme; the first problem is an error at its line. */
  readonly validateScheme?: TagScheme;
}

const DOCSTART = '-DOCSTART-';

function columnIndex(column: number, count: number): number {
  return column < 0 ? count + column : column;
}

/**
 * Reads a CoNLL column file (plain or gzip, from a path or a byte stream) as an async iterable of sentences.
 * Sentence ids are their 1-based ordinals in the file (`'1'`, `'2'`, ...). Lines whose first column is
 * `-DOCSTART-` are document boundaries: each sentence carries its document (`'1'`, `'2'`, ...: the ordinal of
 * the non-empty documents; sentences before the first `-DOCSTART-`, or in a file without one, are in document
 * `'1'`) and its 0-based position in it. A `-DOCSTART-` line inside a sentence (with no blank line before it) is
 * refused. Several blank lines in a row are one boundary. Every token line must have the same
 * number of columns as the file's first one, and the columns asked for must exist; otherwise a
 * {@link CorpusError} names the source, line and problem.
 * @public
 */
export async function* readConll(source: CorpusSource, options: ReadConllOptions = {}): AsyncGenerator<Sentence> {
  const name = sourceNameOf(source, options.sourceName);
  const tabSeparated = (options.separator ?? 'whitespace') === 'tab';
  const separator = tabSeparated ? /\t/ : /[ \t]+/;
  const tagColumn = options.tagColumn ?? -1;
  const wordColumn = options.wordColumn ?? 0;
  const posColumn = options.posColumn;
  let columnCount: number | undefined;
  let ordinal = 0;
  let words: string[] = [];
  let tags: string[] = [];
  let pos: string[] = [];
  let lines: number[] = [];
  let lastLine = 0;
  let documentOrdinal = 1;
  let position = 0;

  const flush = (): Sentence | undefined => {
    if (words.length === 0) return undefined;
    if (options.validateScheme) {
      const [problem] = findTagProblems(tags, options.validateScheme);
      if (problem) throw new CorpusError(name, lines[problem.index], `sentence ${ordinal + 1}: ${problem.problem}`);
    }
    lines = [];
    const place = { document: String(documentOrdinal), position: position++ };
    const sentence: Sentence =
      posColumn === undefined ? { id: String(++ordinal), words, tags, ...place } : { id: String(++ordinal), words, tags, pos, ...place };
    words = [];
    tags = [];
    pos = [];
    return sentence;
  };

  try {
    for await (const { text, line } of textLines(decodeText(sourceBytes(source, name), name, { encoding: options.encoding }))) {
      lastLine = line;
      if (text.trim() === '') {
        const sentence = flush();
        if (sentence) yield sentence;
        continue;
      }
      const columns = (tabSeparated ? text : text.trim()).split(separator);
      if (columns[0] === DOCSTART) {
        if (words.length > 0) {
          throw new CorpusError(name, line, `${DOCSTART} inside a sentence: a blank line must end the sentence before a document boundary`);
        }
        if (position > 0) {
          documentOrdinal++;
          position = 0;
        }
        continue;
      }
      if (columnCount === undefined) {
        columnCount = columns.length;
        for (const [label, column] of [
          ['tagColumn', tagColumn],
          ['wordColumn', wordColumn],
          ['posColumn', posColumn],
        ] as const) {
          if (column === undefined) continue;
          const index = columnIndex(column, columnCount);
          if (index < 0 || index >= columnCount) {
            throw new CorpusError(name, line, `${label} ${column} does not exist: the lines have ${columnCount} column(s)`);
          }
        }
        if (columnIndex(tagColumn, columnCount) === columnIndex(wordColumn, columnCount)) {
          throw new CorpusError(name, line, `only ${columnCount} column(s): the word and the tag would be the same column`);
        }
      } else if (columns.length !== columnCount) {
        throw new CorpusError(
          name,
          line,
          `expected ${columnCount} columns like the first token line, got ${columns.length}: ${excerpt(text)}`,
        );
      }
      const tag = columns[columnIndex(tagColumn, columnCount)]!;
      const word = columns[columnIndex(wordColumn, columnCount)]!;
      if (word === '') throw new CorpusError(name, line, 'empty word');
      if (tag === '') throw new CorpusError(name, line, `empty tag for the word ${excerpt(word)}`);
      words.push(word);
      tags.push(tag);
      if (options.validateScheme) lines.push(line);
      if (posColumn !== undefined) pos.push(columns[columnIndex(posColumn, columnCount)]!);
    }
    const last = flush();
    if (last) yield last;
  } catch (error) {
    if (error instanceof CorpusError && error.line === undefined && lastLine > 0) {
      throw new CorpusError(name, undefined, `${error.problem} (after line ${lastLine})`, { cause: error });
    }
    throw error;
  }
}
