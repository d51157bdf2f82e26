/**
 * The bytes of a corpus source, decompressed when they are gzip.
 */

import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CorpusError } from './corpus_error.js';
import type { CorpusSource } from './corpus_source.js';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'cannot open: no such file (ENOENT)';
    case 'EISDIR':
      return 'cannot read: it is a directory, not a file (EISDIR)';
    case 'EACCES':
    case 'EPERM':
      return `cannot open: permission denied (${code})`;
    default:
      return `cannot read: ${(error as Error | undefined)?.message ?? String(error)}`;
  }
}

function describeGzipError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message)) {
    return 'the gzip data is truncated (unexpected end of file): the file was cut short or not fully downloaded';
  }
  return `the gzip data is corrupt (${message})`;
}

async function* rawBytes(source: CorpusSource, name: string): AsyncGenerator<Uint8Array> {
  const stream = typeof source === 'string' ? createReadStream(source) : (source as AsyncIterable<Uint8Array>);
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
  } catch (error) {
    if (error instanceof CorpusError) throw error;
    throw new CorpusError(name, undefined, describeIoError(error), { cause: error });
  } finally {
    if (typeof source === 'string') (stream as Readable).destroy();
  }
}

async function* gunzip(head: Uint8Array, rest: AsyncIterator<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  async function* compressed(): AsyncGenerator<Uint8Array> {
    yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  }
  const decompressor = createGunzip();
  const input = Readable.from(compressed(), { objectMode: false });
  const feeding = pipeline(input, decompressor).catch(() => {
    // The same error reaches the consumer through the decompressor; nothing more to do here.
  });
  try {
    for await (const chunk of decompressor) yield chunk as Uint8Array;
  } catch (error) {
    if (error instanceof CorpusError) throw error;
    throw new CorpusError(name, undefined, describeGzipError(error), { cause: error });
  } finally {
    input.destroy();
    decompressor.destroy();
    await feeding;
  }
}

/** Options of {@link sourceBytes}. */
export interface SourceBytesOptions {
  /** 'auto' (default): gunzip when the data starts with the gzip magic bytes; a `.gz` path must be gzip. */
  readonly gzip?: 'auto' | boolean;
}

/**
 * The bytes of `source` as an async iterable of chunks, gunzipped when compressed. Failures are
 * {@link CorpusError}s naming the source: a missing or unreadable file, a `.gz` file that is not gzip, truncated
 * or corrupt gzip data.
 */
export async function* sourceBytes(source: CorpusSource, name: string, options: SourceBytesOptions = {}): AsyncGenerator<Uint8Array> {
  const chunks = rawBytes(source, name);
  try {
    let head: Uint8Array = new Uint8Array(0);
    while (head.length < GZIP_MAGIC.length) {
      const next = await chunks.next();
      if (next.done) break;
      head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
    }
    const looksGzip = head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    const gzipOption = options.gzip ?? 'auto';
    const namedGz = typeof source === 'string' && /\.gz$/i.test(source);
    if ((gzipOption === true || (gzipOption === 'auto' && namedGz)) && !looksGzip) {
      throw new CorpusError(name, undefined, 'not gzip data: expected the gzip magic bytes 1f 8b at the start');
    }
    if (looksGzip && gzipOption !== false) {
      yield* gunzip(head, chunks, name);
      return;
    }
    if (head.length > 0) yield head;
    yield* chunks;
  } finally {
    await chunks.return(undefined);
  }
}
