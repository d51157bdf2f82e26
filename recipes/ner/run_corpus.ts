/**
 * The corpus settings of the training run a model came from, for `eval`: a training output directory's
 * `recipe.json`, or for an exported model in `<run>/model`, its run's; for an ensemble run, its first member's
 * (every member reads the same corpus with the same split).
 */
import * as path from 'node:path';
import { readEnsembleRun, readRunState } from './run_state.js';
import type { RecipeCorpusSettings } from './recipe_splits.js';

async function settingsOfRun(dir: string): Promise<RecipeCorpusSettings | undefined> {
  const ensemble = await readEnsembleRun(dir);
  const runDir = ensemble && ensemble.members.length > 0 ? path.join(dir, ensemble.members[0]!) : dir;
  const state = await readRunState(runDir);
  if (!state) return undefined;
  const { corpus, devCorpus, testCorpus, tagColumn, split, limit } = state.settings;
  return { corpus, devCorpus, testCorpus, tagColumn, split, limit };
}

/** The corpus settings of the run of the model directory `modelDir`, or undefined when it has none. */
export async function runCorpusSettings(modelDir: string): Promise<RecipeCorpusSettings | undefined> {
  return (
    (await settingsOfRun(modelDir)) ??
    (path.basename(path.resolve(modelDir)) === 'model' ? settingsOfRun(path.dirname(path.resolve(modelDir))) : undefined)
  );
}
