/**
 * `lm.json` in the output directory: what a run was made with (the model, the windows, the data) and its
 * vocabulary, so that a resumed run refuses other settings and `generate` rebuilds the model.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/index.js';
import { CharVocab } from './char_vocab.js';
import type { LmModelSettings, LmRecipeOptions } from './options.js';

export const RUN_FILE = 'lm.json';
const FORMAT = 'trax-ts-lm-run/1';

/** The settings a run keeps for good (a resumed run must have the same). */
export interface LmFixedSettings {
  model: LmModelSettings;
  seqLen: number;
  batchSize: number;
  corpus: string;
  limit: number;
  seed: number;
}

/** What `lm.json` holds. */
export interface LmRunFile {
  settings: LmFixedSettings;
  vocab: CharVocab;
}

/** The fixed part of the options. */
export function fixedSettings(o: LmRecipeOptions): LmFixedSettings {
  return { model: { ...o.model }, seqLen: o.seqLen, batchSize: o.batchSize, corpus: path.basename(o.corpus), limit: o.limit, seed: o.seed };
}

export async function writeRunFile(dir: string, run: LmRunFile): Promise<void> {
  await writeFileAtomic(
    path.join(dir, RUN_FILE),
    JSON.stringify({ format: FORMAT, settings: run.settings, chars: run.vocab.chars }, null, 1) + '\n',
  );
}

/** The run file of `dir`, or undefined when there is none; refuses one that is not a run file of this recipe. */
export async function readRunFile(dir: string): Promise<LmRunFile | undefined> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: { format?: unknown; settings?: LmFixedSettings; chars?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new Error(`${file}: not JSON`);
  }
  if (parsed.format !== FORMAT || !parsed.settings || !Array.isArray(parsed.chars))
    throw new Error(`${file}: not a language-model run file (${FORMAT})`);
  return { settings: parsed.settings, vocab: new CharVocab(parsed.chars as string[]) };
}

/** Refuses to resume `dir` with settings other than the ones it was started with, naming the first difference. */
export function refuseOtherSettings(dir: string, saved: LmFixedSettings, wanted: LmFixedSettings): void {
  const flat = (s: LmFixedSettings): Record<string, unknown> => ({
    ...s.model,
    seqLen: s.seqLen,
    batchSize: s.batchSize,
    corpus: s.corpus,
    limit: s.limit,
    seed: s.seed,
  });
  const a = flat(saved);
  const b = flat(wanted);
  for (const k of Object.keys(b)) {
    if (a[k] !== b[k])
      throw new RangeError(
        `${dir} holds a run with ${k} ${JSON.stringify(a[k])}, not ${JSON.stringify(b[k])}: use the same settings to resume, or another --output`,
      );
  }
}
