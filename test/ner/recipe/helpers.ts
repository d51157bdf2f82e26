/** Shared helpers of the NER recipe tests: tiny corpora and tiny models. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sentence } from '../../../src/ner/sentence.js';
import type { NerModelConfig } from '../../../src/ner/model/config.js';

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
