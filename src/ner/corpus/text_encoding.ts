/**
 * Turning a corpus's bytes into text: UTF-8 or Windows-1252 (cp1252), chosen by the caller or detected.
 *
 * Detection ('auto'): text that is valid UTF-8 is read as UTF-8; anything else as cp1252, the "latin-1" that
 * Windows tools such as Excel write (0x85 is '…', 0x96 '–', 0x92 '’'; unlike ISO-8859-1 proper). The decision
 * is taken at the first byte above 127: if the bytes from there on (as far as read) are valid UTF-8 the whole
 * source is UTF-8, otherwise cp1252. A source judged UTF-8 that later turns out invalid is refused with an
 * error naming the line, so a mixed file is never silently mis-decoded.
 */

import { CorpusError } from './corpus_error.js';

/** A text encoding for corpus readers. `'latin1'` and `'cp1252'` are read as Windows-1252 (as WHATWG does). @public */
export type TextEncodingName = 'auto' | 'utf-8' | 'utf8' | 'windows-1252' | 'cp1252' | 'latin1';

/** The encoding a text was decoded with, once 'auto' has decided. @public */
export type ResolvedEncoding = 'utf-8' | 'windows-1252';

function resolveEncoding(encoding: TextEncodingName): ResolvedEncoding | 'auto' {
  switch (encoding) {
    case 'auto':
      return 'auto';
    case 'utf-8':
    case 'utf8':
      return 'utf-8';
    case 'windows-1252':
    case 'cp1252':
    case 'latin1':
      return 'windows-1252';
    default:
      throw new TypeError(`unknown text encoding '${String(encoding)}': use 'auto', 'utf-8' or 'windows-1252' (also 'cp1252', 'latin1')`);
  }
}

const NEWLINE = 0x0a;
const SNIFF_BYTES_AFTER_FIRST_NON_ASCII = 4;

function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === NEWLINE) count++;
  return count;
}

function firstNonAscii(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return i;
  return -1;
}

/** Offset of the first byte that cannot be part of valid UTF-8 (a truncated sequence at the end counts as valid). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && (bytes[i]! & 0xc0) === 0x80 && i < 3) i++; // tail of a sequence begun in an earlier chunk
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length =
      lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return bytes.length;
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return bytes.length;
}

/** Whether `bytes` are valid UTF-8; unless `complete`, a sequence cut at the end is allowed. */
function looksLikeUtf8(bytes: Uint8Array, complete = false): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link decodeText}. @public */
export interface DecodeTextOptions {
  /** The bytes' encoding, or 'auto' (the default) to detect UTF-8 or Windows-1252 (see {@link TextEncodingName}). */
  readonly encoding?: TextEncodingName;
  /** Receives the encoding chosen (useful to report what 'auto' decided). */
  readonly onEncoding?: (encoding: ResolvedEncoding) => void;
}

/**
 * Decodes a stream of byte chunks into a stream of strings. A UTF-8 byte-order mark is dropped.
 * Invalid UTF-8 (when UTF-8 was asked for or detected) is a {@link CorpusError} naming the line. `name` names
 * the source in messages (a file name, `<stdin>`). The corpus readers decode through it; use it to read any other
 * text file of a corpus the same way (a file of predictions to score, say).
 *
 * @example
 * ```ts
 * let text = '';
 * for await (const piece of ner.decodeText(fs.createReadStream('dev.txt'), 'dev.txt')) text += piece;
 * ```
 * @public
 */
export async function* decodeText(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  options: DecodeTextOptions = {},
): AsyncGenerator<string> {
  let encoding = resolveEncoding(options.encoding ?? 'auto');
  let decoder: TextDecoder | undefined;
  let linesBefore = 0;
  let pending: Uint8Array[] = [];
  const choose = (chosen: ResolvedEncoding): void => {
    encoding = chosen;
    decoder = new TextDecoder(chosen, { fatal: chosen === 'utf-8' });
    options.onEncoding?.(chosen);
  };
  const decode = (bytes: Uint8Array): string => {
    try {
      const text = decoder!.decode(bytes, { stream: true });
      linesBefore += countNewlines(bytes);
      return text;
    } catch (error) {
      const line = linesBefore + countNewlines(bytes, firstInvalidUtf8(bytes)) + 1;
      throw new CorpusError(name, line, "the text is not valid UTF-8 here; if the file is latin-1/cp1252, pass encoding: 'windows-1252'", {
        cause: error,
      });
    }
  };
  if (encoding !== 'auto') choose(encoding);

  let newlinesSeen = 0;
  for await (const chunk of chunks) {
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      throw new CorpusError(
        name,
        newlinesSeen + countNewlines(chunk, nul) + 1,
        'a NUL byte: this is a binary file, not text (a corpus is a GMB CSV or CoNLL text file, plain or gzip)',
      );
    }
    newlinesSeen += countNewlines(chunk);
    if (encoding !== 'auto') {
      const text = decode(chunk);
      if (text) yield text;
      continue;
    }
    pending.push(chunk);
    const buffered = pending.length === 1 ? chunk : Buffer.concat(pending);
    const at = firstNonAscii(buffered);
    if (at < 0) {
      // Pure ASCII reads the same in both encodings: pass it on undecided.
      pending = [];
      linesBefore += countNewlines(buffered);
      yield Buffer.from(buffered.buffer, buffered.byteOffset, buffered.byteLength).toString('latin1');
      continue;
    }
    if (buffered.length - at <= SNIFF_BYTES_AFTER_FIRST_NON_ASCII) continue;
    pending = [];
    choose(looksLikeUtf8(buffered.subarray(at)) ? 'utf-8' : 'windows-1252');
    const text = decode(buffered);
    if (text) yield text;
  }
  if (encoding === 'auto') {
    const buffered = Buffer.concat(pending);
    const at = firstNonAscii(buffered);
    choose(at >= 0 && !looksLikeUtf8(buffered.subarray(at), true) ? 'windows-1252' : 'utf-8');
    const text = decode(buffered);
    if (text) yield text;
  }
  if (decoder) {
    try {
      const rest = decoder.decode();
      if (rest) yield rest;
    } catch (error) {
      throw new CorpusError(name, linesBefore + 1, 'the text ends in the middle of a UTF-8 character', { cause: error });
    }
  }
}
