/**
 * The train, dev and test sentences of a recipe run, from its corpus settings (`corpus`, `devCorpus`,
 * `testCorpus`, `tagColumn`, `split`, `limit`): what `train`, the ensemble and `eval` all read, so that they
 * always agree on the split.
 */
import { ner } from '../../src/index.js';
import type { NerRecipeOptions } from './options.js';

/** The corpus settings of a run. */
export type RecipeCorpusSettings = Pick<NerRecipeOptions, 'corpus' | 'devCorpus' | 'testCorpus' | 'tagColumn' | 'split' | 'limit'>;

/** The run's splits (see `loadNerSplits`); `--dev`/`--test` files replace those parts of the split. */
export async function loadRecipeSplits(
  o: RecipeCorpusSettings,
): Promise<{ train: ner.Sentence[]; dev: ner.Sentence[]; test: ner.Sentence[] }> {
  return ner.loadNerSplits(o.corpus, {
    ...(o.limit > 0 ? { limit: o.limit } : {}),
    conll: { tagColumn: o.tagColumn },
    split: o.split,
    ...(o.devCorpus !== '' ? { dev: o.devCorpus } : {}),
    ...(o.testCorpus !== '' ? { test: o.testCorpus } : {}),
  });
}

/** The split in words, for the log: `seed 1, 80/10/10 by sentence`, or which parts came from which files. */
export function describeRecipeSplit(o: RecipeCorpusSettings): string {
  const parts =
    o.devCorpus !== '' && o.testCorpus !== ''
      ? 'train: all of it'
      : o.devCorpus !== ''
        ? '90/0/10'
        : o.testCorpus !== ''
          ? '90/10/0'
          : '80/10/10';
  const files = [o.devCorpus !== '' ? `dev: ${o.devCorpus}` : '', o.testCorpus !== '' ? `test: ${o.testCorpus}` : ''].filter(
    (s) => s !== '',
  );
  const split = parts === 'train: all of it' ? parts : `seed 1, ${parts} by ${o.split === 'blocks' ? 'block (document)' : 'sentence'}`;
  return [split, ...files].join('; ');
}
