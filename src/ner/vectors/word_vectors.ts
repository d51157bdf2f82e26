/**
 * Pretrained word vectors (GloVe, word2vec, fastText) in memory, and their parser. The parser takes the bytes in
 * chunks (any chunking), so a file of millions of vectors streams through it; it keeps only the words asked for.
 *
 * Formats:
 * - `text`: one vector per line, `word v1 ... vD` separated by spaces. With a first line of exactly two integers
 *   (`count dim`) it is word2vec's text format or fastText's `.vec`, and the file must then hold `count` vectors of
 *   `dim` values; without it (GloVe) the first vector's length sets the dimension. A word may contain spaces
 *   (GloVe 840B has some): the last `dim` fields are the vector, the rest the word.
 * - `word2vec-binary`: the `count dim` header line, then per vector the word, a space, `dim` little-endian float32
 *   values and (in most files) a newline.
 *
 * This module is browser-safe; `read_word_vectors.ts` reads files (gzip too) in Node.
 */
import { CorpusError } from '../corpus/corpus_error.js';

/** The formats {@link WordVectorsParser} reads. @public */
export type WordVectorsFormat = 'text' | 'word2vec-binary';

/** Options of {@link WordVectorsParser} and `readWordVectors`. @public */
export interface WordVectorsOptions {
  /** The file's format (default `'text'`; `readWordVectors` picks `'word2vec-binary'` for a `.bin` name). */
  readonly format?: WordVectorsFormat;
  /** Keep only the words for which this returns true (after `lowercase`); default: every word. */
  readonly keep?: (word: string) => boolean;
  /** Lower-case every word (the first vector of a lower-cased word wins), as for GloVe's lower-cased vocabulary. */
  readonly lowercase?: boolean;
  /** The dimension the vectors must have; a file of another dimension is refused. */
  readonly expectedDim?: number;
}

/** Word vectors: `vectors` holds `words.length` rows of `dim` values. @public */
export class WordVectors {
  private readonly index: Map<string, number>;

  constructor(
    /** The number of values of each vector. */
    readonly dim: number,
    /** The words, in the order of their rows. */
    readonly words: readonly string[],
    /** The vectors, row-major: row `i` (`dim` values from `i * dim`) is the vector of `words[i]`. */
    readonly vectors: Float32Array,
  ) {
    if (vectors.length !== words.length * dim)
      throw new RangeError(
        `WordVectors: ${words.length} words of dimension ${dim} need ${words.length * dim} values, got ${vectors.length}`,
      );
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** Number of vectors. */
  get size(): number {
    return this.words.length;
  }

  /** Row of `word`, or -1. */
  indexOf(word: string): number {
    return this.index.get(word) ?? -1;
  }

  /** The vector of `word` (a view into `vectors`), or undefined. */
  get(word: string): Float32Array | undefined {
    const i = this.index.get(word);
    return i === undefined ? undefined : this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const decoder = new TextDecoder('utf-8');

/** Grows a float buffer by doubling. */
class FloatBuilder {
  private data = new Float32Array(1024);
  length = 0;

  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const bigger = new Float32Array(Math.max(this.data.length * 2, this.length + values.length));
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }

  finish(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Parses word vectors from byte chunks: `push` each chunk, then `finish()`. Malformed input is refused with a
 * {@link CorpusError} naming the source and the line (text) or the vector (binary), and what was expected.
 *
 * @example
 * ```ts
 * import { ner } from 'trax-ts';
 * const parser = new ner.WordVectorsParser('glove.txt');
 * parser.push(new TextEncoder().encode('the 0.1 0.2\ncat 0.3 0.4\n'));
 * const vectors = parser.finish();
 * console.log(vectors.dim, vectors.size, Array.from(vectors.get('cat')!));
 * ```
 * @public
 */
export class WordVectorsParser {
  private readonly format: WordVectorsFormat;
  private pending: Uint8Array = new Uint8Array(0);
  private line = 0;
  private headerCount: number | undefined;
  private dim: number | undefined;
  private seen = 0;
  private readonly words: string[] = [];
  private readonly chosen = new Set<string>();
  private readonly values = new FloatBuilder();
  private finished = false;

  constructor(
    private readonly source: string,
    private readonly options: WordVectorsOptions = {},
  ) {
    this.format = options.format ?? 'text';
    if (this.format !== 'text' && this.format !== 'word2vec-binary')
      throw new TypeError(`${source}: unknown word-vector format '${String(this.format)}': use 'text' or 'word2vec-binary'`);
  }

  private fail(problem: string, line: number | undefined): never {
    throw new CorpusError(this.source, line, problem);
  }

  /** Adds the next chunk of the file. */
  push(chunk: Uint8Array): void {
    if (this.finished) throw new Error(`${this.source}: push after finish`);
    const data = this.pending.length ? concat(this.pending, chunk) : chunk;
    const used = this.format === 'text' ? this.consumeText(data, false) : this.consumeBinary(data, false);
    this.pending = data.slice(used);
  }

  /** Ends the input and returns the vectors kept. */
  finish(): WordVectors {
    if (!this.finished) {
      this.finished = true;
      if (this.format === 'text') this.consumeText(this.pending, true);
      else this.consumeBinary(this.pending, true);
      this.pending = new Uint8Array(0);
    }
    if (this.dim === undefined) this.fail('no vectors: the file is empty', undefined);
    if (this.headerCount !== undefined && this.seen !== this.headerCount) {
      this.fail(`the header announces ${this.headerCount} vectors but the file has ${this.seen} (truncated?)`, undefined);
    }
    return new WordVectors(this.dim, [...this.words], this.values.finish());
  }

  private keepWord(raw: string, values: ArrayLike<number>): void {
    this.seen++;
    const word = this.options.lowercase ? raw.toLowerCase() : raw;
    if (this.chosen.has(word) || (this.options.keep && !this.options.keep(word))) return;
    this.chosen.add(word);
    this.words.push(word);
    this.values.push(values);
  }

  private setDim(dim: number): void {
    if (this.options.expectedDim !== undefined && dim !== this.options.expectedDim) {
      this.fail(`vectors of dimension ${dim}, expected ${this.options.expectedDim}`, this.line);
    }
    this.dim = dim;
  }

  /** Parses the complete lines of `data` (all of it when `atEnd`); returns the bytes consumed. */
  private consumeText(data: Uint8Array, atEnd: boolean): number {
    let start = 0;
    for (;;) {
      let end = data.indexOf(NEWLINE, start);
      if (end < 0) {
        if (!atEnd || start >= data.length) return start;
        end = data.length;
      }
      this.line++;
      this.textLine(decoder.decode(data.subarray(start, end)));
      start = end + 1;
    }
  }

  private textLine(text: string): void {
    const trimmed = text.replace(/[\r ]+$/, '');
    if (trimmed === '') return;
    const fields = trimmed.split(' ');
    if (this.line === 1 && fields.length === 2 && /^\d+$/.test(fields[0]!) && /^\d+$/.test(fields[1]!)) {
      this.headerCount = Number(fields[0]);
      this.setDim(Number(fields[1]));
      if (this.dim === 0) this.fail('the header gives dimension 0', this.line);
      return;
    }
    if (this.dim === undefined) {
      if (fields.length < 2) this.fail(`expected a word and its vector, got '${clip(trimmed)}'`, this.line);
      this.setDim(fields.length - 1);
    }
    const dim = this.dim!;
    if (fields.length < dim + 1) this.fail(`expected a word and ${dim} numbers, got ${fields.length} fields`, this.line);
    const values = new Float32Array(dim);
    const offset = fields.length - dim;
    for (let i = 0; i < dim; i++) {
      const field = fields[offset + i]!;
      const v = Number(field);
      if (field === '' || !Number.isFinite(v))
        this.fail(`value ${i + 1} of '${clip(fields.slice(0, offset).join(' '))}' is not a finite number: '${clip(field)}'`, this.line);
      values[i] = v;
    }
    this.keepWord(fields.slice(0, offset).join(' '), values);
  }

  /** Parses the header and the complete vectors of `data`; returns the bytes consumed. */
  private consumeBinary(data: Uint8Array, atEnd: boolean): number {
    let start = 0;
    if (this.dim === undefined) {
      const end = data.indexOf(NEWLINE);
      if (end < 0) {
        if (atEnd && data.length > 0) this.fail("expected the header line 'count dim'", 1);
        if (data.length > 256) this.fail("expected the header line 'count dim' (no newline in the first 256 bytes)", 1);
        return 0;
      }
      const header = decoder.decode(data.subarray(0, end)).trim().split(/\s+/);
      if (header.length !== 2 || !header.every((f) => /^\d+$/.test(f)) || Number(header[1]) === 0) {
        this.fail(`expected the header line 'count dim', got '${clip(header.join(' '))}'`, 1);
      }
      this.line = 1;
      this.headerCount = Number(header[0]);
      this.setDim(Number(header[1]));
      start = end + 1;
    }
    const bytes = this.dim! * 4;
    for (;;) {
      while (start < data.length && (data[start] === NEWLINE || data[start] === 0x0d)) start++;
      if (start >= data.length) return start;
      const space = data.indexOf(SPACE, start);
      if (space < 0 || space + 1 + bytes > data.length) {
        if (!atEnd) {
          if (space < 0 && data.length - start > 4096)
            this.fail(`vector ${this.seen + 1}: no space after the word in 4096 bytes (not word2vec binary?)`, undefined);
          return start;
        }
        this.fail(`vector ${this.seen + 1} of ${this.headerCount} is truncated`, undefined);
      }
      const word = decoder.decode(data.subarray(start, space));
      const copy = data.slice(space + 1, space + 1 + bytes);
      const values = new Float32Array(this.dim!);
      const view = new DataView(copy.buffer, copy.byteOffset, bytes);
      for (let i = 0; i < this.dim!; i++) {
        const v = view.getFloat32(i * 4, true);
        if (!Number.isFinite(v)) this.fail(`vector ${this.seen + 1} ('${clip(word)}'): value ${i + 1} is not finite`, undefined);
        values[i] = v;
      }
      this.keepWord(word, values);
      start = space + 1 + bytes;
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A short, printable excerpt of untrusted text for an error message. */
function clip(text: string): string {
  const printable = text.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}...` : printable;
}
