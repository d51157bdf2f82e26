/**
 * Where the default corpus (the GMB corpus, `data/gmb/ner_dataset.csv.gz`) is: in the working directory when run
 * from a checkout of trax-ts (as `npm run ner` does), else the copy shipped in the installed package, beside the
 * `trax-ner` command's `dist/` folder.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The default corpus, relative to a checkout's root and to an installed package's root. */
export const DEFAULT_CORPUS = 'data/gmb/ner_dataset.csv.gz';

/**
 * `corpus` itself unless it is the default corpus and the working directory has no such file; then the package's
 * shipped copy, found relative to `entry` (the URL of the running command, `dist/cli.js`), when it exists.
 */
export function resolveCorpusPath(corpus: string, entry?: URL): string {
  if (corpus !== DEFAULT_CORPUS || existsSync(corpus) || entry === undefined || entry.protocol !== 'file:') return corpus;
  const shipped = fileURLToPath(new URL(`../${DEFAULT_CORPUS}`, entry));
  return existsSync(shipped) ? shipped : corpus;
}
