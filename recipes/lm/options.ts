/**
 * The language-model recipe's settings and their defaults.
 */
import type { BackendName } from '../../src/index.js';
import { DEFAULT_CORPUS } from '../ner/default_corpus.js';

/** Attention of the recipe's ReformerLM. */
export type LmAttention = 'full' | 'lsh' | 'chunked';

/** The model part of the settings (fixed for a run: a resumed run must have the same). */
export interface LmModelSettings {
  dModel: number;
  dFf: number;
  nLayers: number;
  nHeads: number;
  attention: LmAttention;
  /** Chunk length of 'lsh' and 'chunked' attention. */
  chunkLen: number;
  dropout: number;
}

/** Everything `train` needs. */
export interface LmRecipeOptions {
  /** GMB CSV (`.csv`, `.csv.gz`): its sentences, detokenised and joined, are the text. */
  corpus: string;
  /** Checkpoints, `metrics.jsonl`, `lm.json`, `samples.txt` and `results.json` go here; a run there is resumed. */
  outputDir: string;
  model: LmModelSettings;
  /** Characters per training window (and the context the model is trained on). */
  seqLen: number;
  /** Windows per batch. */
  batchSize: number;
  /** Total training steps (a resumed run continues up to this). */
  steps: number;
  /** Stop training after this many minutes of this invocation (0: no limit). */
  maxMinutes: number;
  /** Peak learning rate (Adam), reached after `warmupSteps`, then decayed linearly to a tenth at `steps`. */
  learningRate: number;
  warmupSteps: number;
  /** Steps between evaluations (held-out bits per character, a sample) and checkpoints. */
  evalEvery: number;
  /** Held-out batches scored at each evaluation. */
  evalBatches: number;
  /** Held-out characters scored after training (0: all of the held-out text). */
  finalEvalChars: number;
  /** Characters of the sample printed at each evaluation (0: none). */
  sampleLength: number;
  /** The sample's prompt. */
  samplePrompt: string;
  /** Read at most this many corpus sentences (0: all), for quick runs. */
  limit: number;
  /** Seed of the weights, the data order, dropout and the samples. */
  seed: number;
  /** Steps between progress lines (with the ETA). */
  logEvery: number;
  backend: BackendName;
}

/**
 * The defaults: what `npm run lm` trains, sized to finish within 15 minutes on 2 idle cores with the wasm backend
 * (see the README's "Language model" section for the measured run).
 */
export const DEFAULT_LM_RECIPE: Readonly<LmRecipeOptions> = Object.freeze({
  corpus: DEFAULT_CORPUS,
  outputDir: 'runs/lm',
  model: Object.freeze({ dModel: 128, dFf: 256, nLayers: 2, nHeads: 2, attention: 'full', chunkLen: 32, dropout: 0.05 }),
  seqLen: 128,
  batchSize: 16,
  steps: 1200,
  maxMinutes: 14,
  learningRate: 2e-3,
  warmupSteps: 100,
  evalEvery: 200,
  evalBatches: 8,
  finalEvalChars: 131072,
  sampleLength: 160,
  samplePrompt: 'The president',
  limit: 0,
  seed: 1,
  logEvery: 50,
  backend: 'wasm',
});

function positiveInt(name: string, v: number, min = 1): void {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
}

/** Refuses inconsistent settings with a RangeError naming the setting (the CLI turns it into exit code 2). */
export function validateLmOptions(o: LmRecipeOptions): void {
  const m = o.model;
  for (const [name, v, min] of [
    ['--d-model', m.dModel, 1],
    ['--d-ff', m.dFf, 1],
    ['--layers', m.nLayers, 1],
    ['--heads', m.nHeads, 1],
    ['--chunk-len', m.chunkLen, 1],
    ['--seq-len', o.seqLen, 2],
    ['--batch-size', o.batchSize, 1],
    ['--steps', o.steps, 1],
    ['--warmup-steps', o.warmupSteps, 0],
    ['--eval-every', o.evalEvery, 1],
    ['--eval-batches', o.evalBatches, 1],
    ['--final-eval-chars', o.finalEvalChars, 0],
    ['--sample-length', o.sampleLength, 0],
    ['--limit', o.limit, 0],
    ['--seed', o.seed, 0],
    ['--log-every', o.logEvery, 1],
  ] as const)
    positiveInt(name, v, min);
  if (m.dModel % m.nHeads !== 0) throw new RangeError(`--d-model (${m.dModel}) must be a multiple of --heads (${m.nHeads})`);
  if (m.attention !== 'full' && o.seqLen % m.chunkLen !== 0) {
    throw new RangeError(`--seq-len (${o.seqLen}) must be a multiple of --chunk-len (${m.chunkLen}) for ${m.attention} attention`);
  }
  if (!(m.dropout >= 0 && m.dropout < 1)) throw new RangeError(`--dropout must be in [0, 1), got ${m.dropout}`);
  if (!(o.learningRate > 0 && Number.isFinite(o.learningRate)))
    throw new RangeError(`--lr must be a positive number, got ${o.learningRate}`);
  if (!(o.maxMinutes >= 0 && Number.isFinite(o.maxMinutes)))
    throw new RangeError(`--max-minutes must be a number >= 0, got ${o.maxMinutes}`);
}
