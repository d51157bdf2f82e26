/**
 * The timed loops every row of the NER benchmark runs, trax-ts and peers alike, so that they measure the same
 * thing: training on the batches after the warm-up ones, then tagging the inference batches. Only the memory meter
 * is imported (tfjs-core itself), so a peer using this gets none of trax-ts's kernel changes.
 */
import { measurePeak } from './memory_meter.js';

/** A batch as the benchmark writes it (the peers' format): token ids, tag ids and the real-token mask, `[B, L]` each. */
export interface BenchBatch {
  ids: number[][];
  tags: number[][];
  mask: number[][];
}

/** What {@link timeTraining} measures. */
export interface TrainingTiming {
  /** Real (unmasked) tokens of the timed batches per second. */
  tokensPerSecond: number;
  /** The most live tensor bytes during the timed steps (see `memory_meter.ts`). */
  peakBytes: number;
  /** The loss of the last step. */
  lastLoss: number;
}

/**
 * Runs `step` (one training step on a batch, giving its loss) on the first `warmupSteps` batches untimed, then on
 * the rest timed, under the memory meter.
 */
export function timeTraining(batches: readonly BenchBatch[], warmupSteps: number, step: (b: BenchBatch) => number): TrainingTiming {
  for (const b of batches.slice(0, warmupSteps)) step(b);
  const timed = batches.slice(warmupSteps);
  const tokens = timed.reduce((n, b) => n + b.mask.flat().reduce((s, m) => s + m, 0), 0);
  let lastLoss = 0;
  const t0 = performance.now();
  const { peakBytes } = measurePeak(() => {
    for (const b of timed) lastLoss = step(b);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { tokensPerSecond: tokens / seconds, peakBytes, lastLoss };
}

/** Runs `infer` (tagging one batch) once on the first batch untimed, then on every batch timed: sentences per second. */
export function timeInference(batches: readonly BenchBatch[], infer: (b: BenchBatch) => void): number {
  infer(batches[0]!);
  const t0 = performance.now();
  let sentences = 0;
  for (const b of batches) {
    infer(b);
    sentences += b.ids.length;
  }
  return sentences / ((performance.now() - t0) / 1000);
}
