/**
 * Durable, atomic file writes: write a temporary file, flush it to disk, then rename it over the target, so a
 * reader sees either the old file or the new one, never a torn one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** A temporary name beside `target`, unique in this process. */
export function temporaryName(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}-${process.pid}-${counter++}`);
}

/** Writes `data` to `file` and flushes it to disk. */
export async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (renames) to disk, where the platform allows it. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot open or flush a directory; the rename is still atomic there.
  }
}

/** Replaces `file` with `data` atomically. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryName(file);
  await writeDurably(tmp, data);
  await fs.rename(tmp, file);
  await syncDirectory(path.dirname(file));
}
