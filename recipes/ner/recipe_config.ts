/**
 * `train --config FILE`: a run's settings from one JSON file, as spaCy's `config.cfg` is. The file is one of
 *
 * - the `recipe.json` a run writes (it records every setting in `options`: the run is replayed);
 * - a recipe file: any of the {@link NerRecipeOptions} settings by name (`steps`, `learningRate`, `corpus`, ...),
 *   `model` holding `NerModelConfig` settings;
 * - a model file: `NerModelConfig` settings only (`nLayers`, `dModel`, ...).
 *
 * Settings the file does not give come from the preset; flags on the command line override the file.
 */
import { promises as fs } from 'node:fs';
import { ner } from '../../src/index.js';
import { type NerRecipeOptions, withEncoder } from './options.js';
import { RUN_FORMAT } from './run_state.js';

/** The recipe settings a config file may give (every one of {@link NerRecipeOptions}). */
const RECIPE_KEYS: ReadonlyArray<keyof NerRecipeOptions> = [
  'corpus',
  'devCorpus',
  'testCorpus',
  'tagColumn',
  'split',
  'outputDir',
  'model',
  'steps',
  'maxMinutes',
  'batchTokens',
  'learningRate',
  'warmupSteps',
  'averageDecay',
  'clipGradNorm',
  'seed',
  'ensemble',
  'jobs',
  'workers',
  'evalEvery',
  'devSentences',
  'limit',
  'minWordCount',
  'lowercase',
  'unkRate',
  'wordVectors',
  'freezeVectors',
  'backend',
];

/** A config file that cannot be used: the message names the file and the problem. */
export class RecipeConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecipeConfigError';
  }
}

/** `base` with the settings of the config file `file` (see the module comment). */
export async function recipeFromConfigFile(file: string, base: NerRecipeOptions): Promise<NerRecipeOptions> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RecipeConfigError(`--config ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  try {
    return recipeFromConfig(json, base);
  } catch (error) {
    throw new RecipeConfigError(`--config ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** `base` with the settings of a parsed config file. */
export function recipeFromConfig(json: unknown, base: NerRecipeOptions): NerRecipeOptions {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new Error(`expected a JSON object, got ${JSON.stringify(json)?.slice(0, 60)}`);
  const record = json as Record<string, unknown>;
  if (record['format'] === RUN_FORMAT) {
    const options = record['options'];
    if (options === null || typeof options !== 'object') {
      throw new Error(
        "a recipe.json without the run's options (written by an older trax-ts): give the settings as flags, or write them in a recipe file",
      );
    }
    return recipeSettings(options as Record<string, unknown>, base);
  }
  const recipeLike = Object.keys(record).some((k) => (RECIPE_KEYS as readonly string[]).includes(k));
  if (recipeLike) return recipeSettings(record, base);
  return { ...base, model: modelOver(base.model, record) };
}

/** A config file's model settings over the preset's model (its `encoder` chosen as `--encoder` is: see `withEncoder`). */
function modelOver(base: ner.NerModelConfig, model: Record<string, unknown>): ner.NerModelConfig {
  if (model === null || typeof model !== 'object' || Array.isArray(model))
    throw new Error(`"model" must be an object of model settings, got ${JSON.stringify(model)}`);
  return withEncoder(base, model, model['encoder'] as string | undefined, 'bilstm' in model);
}

function recipeSettings(settings: Record<string, unknown>, base: NerRecipeOptions): NerRecipeOptions {
  for (const key of Object.keys(settings)) {
    if (!(RECIPE_KEYS as readonly string[]).includes(key))
      throw new Error(`unknown setting '${key}'; a recipe file takes ${RECIPE_KEYS.join(', ')} (model settings go in "model")`);
  }
  const model = settings['model'];
  const out = { ...base, ...settings };
  out.model = model === undefined ? base.model : modelOver(base.model, model as Record<string, unknown>);
  return out;
}
