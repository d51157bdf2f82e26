/**
 * Reading a file of pretrained word vectors (Node): GloVe / word2vec text, fastText `.vec`, word2vec binary,
 * each plain or gzip-compressed (detected by its magic bytes).
 */
import type { CorpusSource } from '../corpus/corpus_source.js';
import { sourceNameOf } from '../corpus/corpus_source.js';
import { sourceBytes } from '../corpus/source_bytes.js';
import { type WordVectors, type WordVectorsFormat, WordVectorsParser, type WordVectorsOptions } from './word_vectors.js';

/** The format a file name implies: `word2vec-binary` for `.bin` (or `.bin.gz`), else `text`. @public */
export function wordVectorsFormatOf(path: string): WordVectorsFormat {
  return /\.bin(\.gz)?$/i.test(path) ? 'word2vec-binary' : 'text';
}

/**
 * Reads word vectors from a file (or stream); see {@link WordVectorsParser} for the formats. The format is taken
 * from `options.format`, else from the file name ({@link wordVectorsFormatOf}). Refused with a `CorpusError`
 * naming the file and the line: a missing file, broken gzip, a malformed line, a dimension other than
 * `options.expectedDim`, fewer vectors than the header announces.
 *
 * @example
 * ```ts
 * import { ner } from 'trax-ts';
 * const glove = await ner.readWordVectors('glove.6B.100d.txt.gz', { expectedDim: 100, keep: (w) => w.length < 20 });
 * console.log(glove.size, glove.dim);
 * ```
 * @public
 */
export async function readWordVectors(
  source: CorpusSource,
  options: WordVectorsOptions & { readonly sourceName?: string } = {},
): Promise<WordVectors> {
  const name = sourceNameOf(source, options.sourceName);
  const format = options.format ?? (typeof source === 'string' ? wordVectorsFormatOf(source) : 'text');
  const parser = new WordVectorsParser(name, { ...options, format });
  for await (const chunk of sourceBytes(source, name)) parser.push(chunk);
  return parser.finish();
}
