/**
 * Raw text to tag from a file or stream, decoded as the corpus readers decode (Node only): plain or gzip, UTF-8
 * when the bytes are valid UTF-8, else Windows-1252 (latin-1), so a latin-1 file does not turn into U+FFFD.
 */
import { type CorpusSource, sourceNameOf } from './corpus_source.js';
import { sourceBytes } from './source_bytes.js';
import { decodeText, type TextEncodingName } from './text_encoding.js';

/** Options of {@link readText}. @public */
export interface ReadTextOptions {
  /** 'auto' (default): UTF-8 when valid, else Windows-1252. */
  readonly encoding?: TextEncodingName;
  /** Name used in errors for a stream source (default: the path, or `<stream>`). */
  readonly sourceName?: string;
}

/**
 * The whole text of `source`, decoded like a corpus file (see `TextEncodingName`). Refused with a `CorpusError`
 * naming the source: a missing file, broken compression, a binary file, invalid UTF-8 when UTF-8 was asked for.
 * @public
 */
export async function readText(source: CorpusSource, options: ReadTextOptions = {}): Promise<string> {
  const name = sourceNameOf(source, options.sourceName);
  let text = '';
  for await (const piece of decodeText(sourceBytes(source, name), name, { encoding: options.encoding ?? 'auto' })) text += piece;
  return text;
}
