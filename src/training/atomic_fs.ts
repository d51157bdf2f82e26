/**
 * Durable, atomic file writes: write a temporary file, flush it to disk, then rename it over the target, so a
 * reader sees either the old file or the new one, never a torn one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** A directory that cannot be created (see {@link makeDirectory}): the message names it and the reason. @public */
export class DirectoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryError';
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time (`mkdir` without `recursive`), and refuses with a
 * {@link DirectoryError} when a level cannot be made: an existing ancestor that is not a directory, or one whose file
 * system refuses new entries. Node 20's recursive `mkdir` never returns on some such paths (`/proc/x` loops at 100%
 * CPU); each plain `mkdir` answers. Use it for a run's output directory.
 * @public
 */
export async function makeDirectory(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; ;) {
    let stat;
    try {
      stat = await fs.stat(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR')
        throw new DirectoryError(`cannot create the directory ${dir}: an ancestor of ${current} exists and is not a directory`, {
          cause: error,
        });
      if (code !== 'ENOENT')
        throw new DirectoryError(`cannot create the directory ${dir}: ${current} cannot be read (${code ?? (error as Error).message})`, {
          cause: error,
        });
      const parent = path.dirname(current);
      if (parent === current) throw new DirectoryError(`cannot create the directory ${dir}: no existing ancestor`);
      missing.unshift(current);
      current = parent;
      continue;
    }
    if (!stat.isDirectory()) throw new DirectoryError(`cannot create the directory ${dir}: ${current} exists and is not a directory`);
    break;
  }
  for (const level of missing) {
    try {
      await fs.mkdir(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (
        code === 'EEXIST' &&
        (await fs.stat(level).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      const why =
        code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'read-only file system'
            : code === 'ENOENT'
              ? `the file system of ${path.dirname(level)} does not take new directories`
              : (code ?? (error as Error).message);
      throw new DirectoryError(`cannot create the directory ${dir}: ${level} (${why})`, { cause: error });
    }
  }
}

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

/**
 * Replaces `file` with `data` atomically: a temporary file of a name unique to this writer (process and call) beside
 * it, flushed to disk, renamed over `file`, and the directory flushed. The temporary file is removed when a step
 * fails. Readers of `file` see the old contents or the new, never a part: use it for a run's own small files
 * (settings, reports, records of the best step) beside its checkpoints.
 * @public
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryName(file);
  try {
    await writeDurably(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(path.dirname(file));
}
