import type { Layer } from '../core/base.js';
import { foldIn, makeKey, uniformFloats } from '../rng/key.js';
import { PredictRun, type PredictRunOptions } from './predict_run.js';
import { sampleToken } from './sampling.js';

/** Options of {@link autoregressiveSample} and {@link autoregressiveSampleStream}. @public */
export interface SampleOptions extends PredictRunOptions {
  /** Number of tokens to generate. */
  length: number;
  /** The prompt: one row of token ids for every sequence, or one row per sequence (equally long). Default none. */
  prefix?: readonly number[] | readonly (readonly number[])[];
  /** Number of sequences generated together (default: the prefix's rows, or 1). */
  batchSize?: number;
  /** 0: greedy (the most probable token); otherwise sampling from `softmax(logProbs / temperature)` (default 1). */
  temperature?: number;
  /** Sample only among the `topK` most probable tokens (default: all). */
  topK?: number;
  /** Seed of the sampling draws (default 0): the same seed gives the same tokens. */
  seed?: number;
  /** The token fed first, before the prompt (default 0, as Trax's `start_id`; the id a model's `ShiftRight` inserts). */
  startId?: number;
  /** Stop once every sequence has produced this token (it is included). */
  eosId?: number;
}

/** One generated position: the token of each sequence and the log-probabilities it was drawn from. @public */
export interface SampledStep {
  /** Index of the generated position (0 for the first token after the prompt). */
  index: number;
  /** The token of each sequence. */
  tokens: number[];
  /** The model's log-probabilities over the vocabulary at this position, per sequence (before temperature). */
  logProbs: Float32Array[];
}

/**
 * Generates tokens from a language model one position at a time, as Trax's `autoregressive_sample_stream`: feeds
 * `startId` and the prompt, then each generated token, to a model in mode `predict`, whose caches make each new
 * token cost time linear in the tokens before it. Yields each position as it is generated.
 *
 * The model maps int32 ids `[B, n]` to log-probabilities (or logits) `[B, n, vocab]` and is in mode `predict`
 * with weights, e.g. `ReformerLM({ ..., mode: 'predict' })` or `TransformerLM`, with its trained weights set. Each
 * run starts from a fresh predict-mode state (see {@link freshPredictState}) and leaves the model's own state
 * alone. Draws come from `seed` only: the same call gives the same tokens.
 *
 * @example
 * ```ts
 * for await (const step of autoregressiveSampleStream(lm, { prefix: encode('The president'), length: 100, temperature: 0.8 })) {
 *   process.stdout.write(decode(step.tokens));
 * }
 * ```
 * @public
 */
export async function* autoregressiveSampleStream(model: Layer, options: SampleOptions): AsyncGenerator<SampledStep, void, undefined> {
  const { length, startId = 0, temperature = 1, topK } = options;
  if (!Number.isInteger(length) || length < 0)
    throw new RangeError(`autoregressiveSample: length must be a non-negative integer, got ${length}`);
  const prompts = promptRows(options);
  const batch = prompts.length;
  const maxLen = options.maxLen ?? 1 + prompts[0]!.length + length;
  if (length === 0) return;
  const run = new PredictRun(model, batch, maxLen, options);
  const key = makeKey(options.seed ?? 0);
  const done = new Array<boolean>(batch).fill(false);
  try {
    let logProbs = run.feed(prompts.map((p) => [startId, ...p]));
    for (let index = 0; index < length; index++) {
      const u = uniformFloats(foldIn(key, index), batch);
      const tokens = logProbs.map((lp, b) => sampleToken(lp, { temperature, ...(topK === undefined ? {} : { topK }), u: u[b]! }));
      yield { index, tokens, logProbs };
      if (options.eosId !== undefined) tokens.forEach((t, b) => (done[b] = done[b] || t === options.eosId));
      if (index === length - 1 || done.every(Boolean)) break;
      logProbs = run.feed(tokens.map((t) => [t]));
    }
  } finally {
    run.dispose();
  }
}

/**
 * {@link autoregressiveSampleStream} collected: the generated tokens of each sequence (`[batch][length]`, or
 * shorter when `eosId` stopped every sequence); `onToken` sees each position as it is generated.
 * @public
 */
export async function autoregressiveSample(
  model: Layer,
  options: SampleOptions & { onToken?: (step: SampledStep) => void },
): Promise<number[][]> {
  const out: number[][] = promptRows(options).map(() => []);
  for await (const step of autoregressiveSampleStream(model, options)) {
    step.tokens.forEach((t, b) => out[b]!.push(t));
    options.onToken?.(step);
  }
  return out;
}

/** The prompt of each sequence, checked. */
export function promptRows(options: { prefix?: readonly number[] | readonly (readonly number[])[]; batchSize?: number }): number[][] {
  const prefix = options.prefix ?? [];
  const rows: number[][] =
    prefix.length > 0 && Array.isArray(prefix[0]) ? (prefix as number[][]).map((r) => [...r]) : [[...(prefix as number[])]];
  for (const row of rows) {
    if (row.length !== rows[0]!.length) throw new Error('autoregressiveSample: the prefix rows must be equally long');
    if (!row.every((t) => Number.isInteger(t) && t >= 0))
      throw new Error('autoregressiveSample: the prefix must hold non-negative integer token ids');
  }
  const batch = options.batchSize ?? rows.length;
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`autoregressiveSample: batchSize must be a positive integer, got ${batch}`);
  if (rows.length === batch) return rows;
  if (rows.length === 1) return Array.from({ length: batch }, () => [...rows[0]!]);
  throw new Error(`autoregressiveSample: ${rows.length} prefix rows for batchSize ${batch}`);
}
