/**
 * One row of the context benchmark (bench/context.ts runs each row as its own process, so that a row that does not
 * fit leaves no grown wasm heap or engine state behind): trains the tagger of the row's configuration on the
 * length's batches on wasm, under the memory meter with a limit, and prints one JSON line: the training speed and
 * peak tensor memory, or `out_of_memory` with the reason when the row does not fit.
 *
 * Usage: node scripts/run.mjs bench/common/context_bench_worker.ts <batches.json> <row.json>
 */
import { readFileSync } from 'node:fs';
import { ner, tf, useBackend } from '../../src/index.js';
import { installMemoryMeter, measurePeak, setTensorMemoryLimit, TensorMemoryLimitError } from './memory_meter.js';
import { taggerTrainer } from './tagger_trainer.js';

/** A batch as bench/context.ts writes it: the recipe's batch, flat. */
export interface ContextBenchBatch {
  /** `[B, L, F]` of the features. */
  shape: [number, number, number];
  features: number[];
  tags: number[];
  weights: number[];
}

/** The batches file of one context length. */
export interface ContextBenchFile {
  contextTokens: number;
  sizes: ner.NerModelSizes;
  /** The warm-up batches first, then the timed ones. */
  batches: ContextBenchBatch[];
}

/** The row file: what to train and how. */
export interface ContextBenchRow {
  config: ner.NerModelConfig;
  warmupSteps: number;
  averageDecay: number;
  clipGradNorm: number;
  /** Live tensor bytes above which the row is abandoned as out of memory. */
  limitBytes: number;
}

/** What the worker prints. */
export interface ContextBenchResult {
  /** Real tokens (window and context, padding excluded) of the timed batches per second of training. */
  window_tokens_per_s?: number;
  /** Target tokens (those with loss weight 1: the sentences being trained) per second. */
  target_tokens_per_s?: number;
  /** The most live tensor bytes during the timed steps. */
  peak_tensor_bytes?: number;
  /** Live tensor bytes before the timed steps (weights, optimizer slots, the batches). */
  baseline_tensor_bytes?: number;
  /** Seconds per timed step. */
  step_seconds?: number;
  last_loss?: number;
  /** The process's peak resident memory (the wasm heap grows and never shrinks). */
  peak_rss_bytes?: number;
  /** Set when the row did not fit: what ran out. */
  out_of_memory?: string;
}

/**
 * Errors that mean "does not fit": the meter's limit, or the wasm heap or the host running out, also when a layer
 * wrapped the error in its own (a `LayerError` naming the layer keeps the original as its `cause`).
 */
function outOfMemoryReason(error: unknown): string | undefined {
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if (e instanceof TensorMemoryLimitError) return e.message;
    const message = e instanceof Error ? e.message : String(e);
    if (/out of memory|OOM|Memory\.grow|allocation failed|could not allocate|Array buffer allocation/i.test(message)) return message;
    if (!(e instanceof Error)) break;
  }
  return undefined;
}

async function main(): Promise<void> {
  const file = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ContextBenchFile;
  const row = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as ContextBenchRow;
  const config = ner.resolveNerModelConfig(row.config);
  await useBackend('wasm');
  installMemoryMeter();
  const tensors = file.batches.map((b) => [
    tf.tensor3d(Int32Array.from(b.features), b.shape, 'int32'),
    tf.tensor2d(Int32Array.from(b.tags), [b.shape[0], b.shape[1]], 'int32'),
    tf.tensor2d(Float32Array.from(b.weights), [b.shape[0], b.shape[1]], 'float32'),
  ]);
  const first = file.batches[0]!.shape;
  const trainer = taggerTrainer(config, file.sizes, [first[0], first[1]], {
    learningRate: 1e-3,
    averageDecay: row.averageDecay,
    clipGradNorm: row.clipGradNorm,
  });
  const timed = tensors.slice(row.warmupSteps);
  const realTokens = file.batches.slice(row.warmupSteps).reduce((n, b) => {
    const width = b.shape[2];
    let count = 0;
    for (let i = 0; i < b.shape[0] * b.shape[1]; i++) if (b.features[i * width] !== 0) count++;
    return n + count;
  }, 0);
  const targetTokens = file.batches.slice(row.warmupSteps).reduce((n, b) => n + b.weights.reduce((s, w) => s + w, 0), 0);
  let result: ContextBenchResult;
  setTensorMemoryLimit(row.limitBytes);
  try {
    for (const batch of tensors.slice(0, row.warmupSteps)) trainer.step(batch);
    let lastLoss = 0;
    const t0 = performance.now();
    const { peakBytes, baselineBytes } = measurePeak(() => {
      for (const batch of timed) lastLoss = trainer.step(batch);
    });
    const seconds = (performance.now() - t0) / 1000;
    result = {
      window_tokens_per_s: realTokens / seconds,
      target_tokens_per_s: targetTokens / seconds,
      peak_tensor_bytes: peakBytes,
      baseline_tensor_bytes: baselineBytes,
      step_seconds: seconds / timed.length,
      last_loss: lastLoss,
    };
  } catch (error) {
    const reason = outOfMemoryReason(error);
    if (reason === undefined) throw error;
    result = { out_of_memory: reason };
  } finally {
    setTensorMemoryLimit(undefined);
  }
  console.log(JSON.stringify({ ...result, peak_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
  if (result.out_of_memory === undefined) {
    trainer.dispose();
    tf.dispose(tensors.flat());
  }
}

await main();
