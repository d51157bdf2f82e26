/** Shared helpers of the NER recipe tests: tiny corpora and tiny models. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sentence } from '../../../src/ner/sentence.js';
import { type NerModelConfig, resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { DEFAULT_RECIPE, type NerRecipeOptions } from '../../../recipes/ner/options.js';

/** The shipped corpus, relative to the repository root (jest runs there). */
export const SHIPPED_CORPUS = 'data/gmb/ner_dataset.csv.gz';

/** A fresh temporary directory. */
export function tempDir(prefix = 'trax-ner-recipe-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `content` to `name` in a fresh temporary directory and returns the path. */
export function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

/** A few hand-made sentences. */
export const SENTENCES: Sentence[] = [
  { id: '1', words: ['Thousands', 'marched', 'in', 'London', '.'], tags: ['O', 'O', 'O', 'B-geo', 'O'] },
  {
    id: '2',
    words: ['George', 'W.', 'Bush', 'visited', 'Iraq', 'in', '2005', '.'],
    tags: ['B-per', 'I-per', 'I-per', 'O', 'B-geo', 'O', 'B-tim', 'O'],
  },
  { id: '3', words: ['NATO', 'met', '.'], tags: ['B-org', 'O', 'O'] },
];

/** A GMB CSV of sentences. */
export function gmbCsv(sentences: readonly Sentence[]): string {
  const rows = ['Sentence #,Word,POS,Tag'];
  sentences.forEach((s, i) =>
    s.words.forEach((w, t) =>
      rows.push(`${t === 0 ? `Sentence: ${i + 1}` : ''},${/[",]/.test(w) ? `"${w.replace(/"/g, '""')}"` : w},NN,${s.tags[t]}`),
    ),
  );
  return rows.join('\n') + '\n';
}

/** A tiny, fast model configuration. */
export const TINY: Partial<NerModelConfig> = {
  nLayers: 1,
  dModel: 32,
  dFf: 64,
  nHeads: 2,
  dropout: 0,
  charFilters: 16,
  dChar: 8,
  maxWordLength: 8,
  reversible: false,
  maxLen: 64,
  attention: 'full',
  bilstm: false,
  crf: false,
};

/**
 * The recipe's settings for a quick test run in `outputDir`: the shipped corpus (400 sentences), the TINY model,
 * 2 steps with a dev evaluation at step 2 on 20 sentences, small batches, no time limit; `extra` overrides them.
 */
export function quickRecipeOptions(outputDir: string, extra: Partial<NerRecipeOptions> = {}): NerRecipeOptions {
  return {
    ...DEFAULT_RECIPE,
    outputDir,
    corpus: SHIPPED_CORPUS,
    limit: 400,
    steps: 2,
    evalEvery: 2,
    devSentences: 20,
    batchTokens: 256,
    maxMinutes: 0,
    model: resolveNerModelConfig(TINY),
    ...extra,
  };
}
