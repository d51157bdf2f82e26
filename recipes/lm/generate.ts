/**
 * `generate`: text from a prompt with the latest checkpoint of a training output directory.
 */
import { type BackendName, latestCheckpoint, useBackend } from '../../src/index.js';
import { predictModelFromCheckpoint } from './model.js';
import { readRunFile } from './run_file.js';
import { generateText, type GenerateTextOptions } from './sample_text.js';

/** Options of {@link generateFromRun}. */
export interface GenerateOptions extends GenerateTextOptions {
  /** The training output directory. */
  dir: string;
  backend: BackendName;
}

/** The prompt followed by `length` generated characters. */
export async function generateFromRun(prompt: string, o: GenerateOptions): Promise<string> {
  const run = await readRunFile(o.dir);
  if (!run) throw new Error(`${o.dir}: not a language-model run (no lm.json); train one with npm run lm -- --output ${o.dir}`);
  const unknown = run.vocab.unknown(prompt);
  if (unknown.length > 0)
    throw new RangeError(`the prompt has characters the model never saw: ${unknown.map((c) => JSON.stringify(c)).join(' ')}`);
  const checkpoint = await latestCheckpoint(o.dir);
  if (!checkpoint) throw new Error(`${o.dir}: no checkpoint yet (train for at least one evaluation period)`);
  await useBackend(o.backend);
  const { settings, vocab } = run;
  const model = await predictModelFromCheckpoint(checkpoint, settings.model, vocab.size, settings.seqLen);
  return prompt + generateText(model, vocab, settings.seqLen, prompt, o);
}
