/**
 * Exported taggers on disk (Node only).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeDirectory, writeFileAtomic } from '../../training/atomic_fs.js';
import type { NerTagger } from '../tagger/ner_tagger.js';
import { TAGGER_FILES, TaggerLoadError } from './format.js';
import { loadTagger, type TaggerFileReader } from './load.js';
import { taggerFiles } from './save.js';

/**
 * Writes a self-contained tagger directory (`tagger.json`, `vocabs.json`, `weights.bin`; for an ensemble, its
 * `tagger.json` and one such directory per member, `member-1/`, ...; see `format.ts`), replacing the files of an
 * earlier export there. Returns the directory.
 * @public
 */
export async function exportTagger(tagger: NerTagger, dir: string, metadata: Record<string, unknown> = {}): Promise<string> {
  const files = await taggerFiles(tagger, metadata);
  // Manifests are written last (a member's after its files, the top one after everything), so a directory with a
  // manifest has its other files.
  const rank = (name: string): number => (name === TAGGER_FILES.manifest ? 2 : path.posix.basename(name) === TAGGER_FILES.manifest ? 1 : 0);
  const ordered = [...files].sort(([a], [b]) => rank(a) - rank(b));
  for (const [name, data] of ordered) {
    const target = path.join(dir, ...name.split('/'));
    await makeDirectory(path.dirname(target));
    await writeFileAtomic(target, data);
  }
  return dir;
}

/** A {@link TaggerFileReader} over a directory. @public */
export function directoryFiles(dir: string): TaggerFileReader {
  return async (name) => {
    try {
      return await fs.readFile(path.join(dir, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `no such file: ${path.join(dir, name)}` : (error as Error).message, { cause: error });
    }
  };
}

/** Loads the tagger (or ensemble) exported in `dir` (see {@link exportTagger}). @public */
export async function loadTaggerFromDirectory(dir: string): Promise<NerTagger> {
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new TaggerLoadError(`${dir}: not a directory (an exported tagger is a directory)`);
  } catch (error) {
    if (error instanceof TaggerLoadError) throw error;
    throw new TaggerLoadError(`${dir}: no such tagger directory`, { cause: error });
  }
  return loadTagger(directoryFiles(dir), dir);
}
