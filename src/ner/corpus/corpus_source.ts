/**
 * What a corpus reader can read from, and the name its errors use for it.
 */

import type { Readable } from 'node:stream';

/** A file path, or a stream / async iterable of bytes (plain or gzip). @public */
export type CorpusSource = string | Readable | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/** The name errors use for a source: the path, or the `sourceName` given, or `<stream>`. */
export function sourceNameOf(source: CorpusSource, sourceName?: string): string {
  if (sourceName !== undefined) return sourceName;
  return typeof source === 'string' ? source : '<stream>';
}
