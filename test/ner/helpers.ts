/** Shared helpers of the NER tests. */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** The shipped corpus, relative to the repository root (jest runs there). */
export const SHIPPED_CORPUS = 'data/gmb/ner_dataset.csv.gz';

/** A byte stream of `bytes`, delivered in chunks of `chunkSize` bytes (to exercise chunk boundaries). */
export function byteStream(bytes: Uint8Array | string, chunkSize = 7): Readable {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

/** Writes `content` to a new file in a fresh temporary folder and returns its path. */
export function tempFile(name: string, content: Uint8Array | string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trax-ner-')), name);
  writeFileSync(path, content);
  return path;
}

/** The message of the error `promise` rejects with (fails the test when it resolves). */
export async function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}
