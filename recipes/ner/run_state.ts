/**
 * `recipe.json` in a training output directory: what the run was started with (model, data settings,
 * vocabularies), so that a resumed run rebuilds exactly the same model and refuses different settings. An
 * ensemble's output directory has `ensemble.json` instead, naming its members' run directories.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeDirectory, ner, writeFileAtomic } from '../../src/index.js';
import type { NerRecipeOptions } from './options.js';

export const RUN_FORMAT = 'trax-ts-ner-run';
export const RUN_FORMAT_VERSION = 1;
export const RUN_FILE = 'recipe.json';

/** The settings that must not change when a run is resumed. */
export interface FixedSettings {
  corpus: string;
  /** '' when the split gives the dev (test) sentences; runs written before these settings existed read as ''. */
  devCorpus: string;
  testCorpus: string;
  tagColumn: number;
  split: ner.NerSplitKind;
  /** '' without pretrained vectors. */
  wordVectors: string;
  freezeVectors: boolean;
  limit: number;
  model: ner.NerModelConfig;
  minWordCount: number;
  lowercase: boolean;
  seed: number;
  batchTokens: number;
  unkRate: number;
  averageDecay: number;
}

interface RunFile {
  format: string;
  version: number;
  settings: FixedSettings;
  /** Every setting the run was started with (`train --config recipe.json` replays it). */
  options?: NerRecipeOptions;
  vocabs: ner.NerVocabsJSON;
}

export function fixedSettings(o: NerRecipeOptions): FixedSettings {
  const file = (p: string): string => (p === '' ? '' : path.resolve(p));
  return {
    corpus: path.resolve(o.corpus),
    devCorpus: file(o.devCorpus),
    testCorpus: file(o.testCorpus),
    tagColumn: o.tagColumn,
    split: o.split,
    wordVectors: file(o.wordVectors),
    freezeVectors: o.freezeVectors,
    limit: o.limit,
    model: o.model,
    minWordCount: o.minWordCount,
    lowercase: o.lowercase,
    seed: o.seed,
    batchTokens: o.batchTokens,
    unkRate: o.unkRate,
    averageDecay: o.averageDecay,
  };
}

/** A run file's JSON; a damaged (truncated, edited) file is refused naming it. */
function parseRunFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: damaged, not valid JSON (${(error as Error).message}); restore it, or train in another --output directory`, {
      cause: error,
    });
  }
}

/** The saved settings and vocabularies of a run directory, or undefined for a new run. */
export async function readRunState(dir: string): Promise<{ settings: FixedSettings; vocabs: ner.NerVocabs } | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, RUN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const json = parseRunFile(path.join(dir, RUN_FILE), text) as RunFile;
  if (json === null || typeof json !== 'object' || json.format !== RUN_FORMAT || json.version !== RUN_FORMAT_VERSION) {
    throw new Error(
      `${path.join(dir, RUN_FILE)}: not a ${RUN_FORMAT} version ${RUN_FORMAT_VERSION} file (format ${JSON.stringify(json?.format)}, version ${JSON.stringify(json?.version)})`,
    );
  }
  try {
    const corpusDefaults = {
      devCorpus: '',
      testCorpus: '',
      tagColumn: -1,
      split: 'sentences' as const,
      wordVectors: '',
      freezeVectors: false,
    };
    return {
      settings: {
        ...corpusDefaults,
        ...json.settings,
        averageDecay: json.settings.averageDecay ?? 0,
        model: ner.resolveNerModelConfig(json.settings.model),
      },
      vocabs: ner.nerVocabsFromJSON(json.vocabs),
    };
  } catch (error) {
    throw new Error(`${path.join(dir, RUN_FILE)}: damaged settings or vocabularies (${(error as Error).message})`, { cause: error });
  }
}

export async function writeRunState(
  dir: string,
  settings: FixedSettings,
  vocabs: ner.NerVocabs,
  options?: NerRecipeOptions,
): Promise<void> {
  await makeDirectory(dir);
  const file: RunFile = {
    format: RUN_FORMAT,
    version: RUN_FORMAT_VERSION,
    settings,
    ...(options ? { options } : {}),
    vocabs: ner.nerVocabsToJSON(vocabs),
  };
  await writeFileAtomic(path.join(dir, RUN_FILE), JSON.stringify(file));
}

/** The differences between saved and requested settings, in words (empty when they agree). */
export function settingDifferences(saved: FixedSettings, wanted: FixedSettings): string[] {
  const out: string[] = [];
  for (const key of Object.keys(wanted) as Array<keyof FixedSettings>) {
    if (key === 'model') {
      for (const k of Object.keys(wanted.model) as Array<keyof ner.NerModelConfig>) {
        if (saved.model[k] !== wanted.model[k])
          out.push(`model.${k}: ${JSON.stringify(saved.model[k])} (saved) vs ${JSON.stringify(wanted.model[k])} (now)`);
      }
    } else if (saved[key] !== wanted[key]) {
      out.push(`${key}: ${JSON.stringify(saved[key])} (saved) vs ${JSON.stringify(wanted[key])} (now)`);
    }
  }
  return out;
}

/** Refuses a run directory whose saved settings differ from the requested ones, naming the differences. */
export function refuseOtherSettings(outputDir: string, saved: FixedSettings, wanted: FixedSettings): void {
  const differences = settingDifferences(saved, wanted);
  if (differences.length > 0) {
    throw new Error(
      `${outputDir} holds a run with other settings; resume it with the same settings or use another --output directory:\n  ${differences.join('\n  ')}`,
    );
  }
}

export const ENSEMBLE_RUN_FORMAT = 'trax-ts-ner-ensemble-run';
export const ENSEMBLE_RUN_FILE = 'ensemble.json';

/** `ensemble.json`: the members' run directories (relative: `member-1`, ...) and their seeds. */
export interface EnsembleRun {
  members: string[];
  seeds: number[];
}

/** The ensemble of an output directory, or undefined when it holds none. */
export async function readEnsembleRun(dir: string): Promise<EnsembleRun | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, ENSEMBLE_RUN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const json = parseRunFile(path.join(dir, ENSEMBLE_RUN_FILE), text) as Partial<EnsembleRun> & { format?: unknown; version?: unknown };
  if (
    json === null ||
    typeof json !== 'object' ||
    json.format !== ENSEMBLE_RUN_FORMAT ||
    json.version !== RUN_FORMAT_VERSION ||
    !Array.isArray(json.members) ||
    !Array.isArray(json.seeds)
  ) {
    throw new Error(`${path.join(dir, ENSEMBLE_RUN_FILE)}: not a ${ENSEMBLE_RUN_FORMAT} version ${RUN_FORMAT_VERSION} file`);
  }
  return { members: json.members, seeds: json.seeds };
}

export async function writeEnsembleRun(dir: string, run: EnsembleRun): Promise<void> {
  await makeDirectory(dir);
  await writeFileAtomic(
    path.join(dir, ENSEMBLE_RUN_FILE),
    JSON.stringify({ format: ENSEMBLE_RUN_FORMAT, version: RUN_FORMAT_VERSION, ...run }, null, 1) + '\n',
  );
}
