/**
 * A synthetic tagging task for the training tests: sequences of token ids (1..vocab-1, 0 is padding) of varied
 * lengths, each token's tag a fixed function of its id; and the small model that learns it.
 */
import {
  AddLossWeights,
  Batch,
  BucketByLength,
  Generate,
  type NDArray,
  Serial as DataSerial,
  Shuffle,
  ndarray,
} from '../../../src/data/index.js';
import { Serial } from '../../../src/combinators/serial.js';
import { Dense, Dropout, Embedding, LogSoftmax, Relu } from '../../../src/layers/core/index.js';
import type { Layer } from '../../../src/core/base.js';
import { CrossEntropyLoss } from '../../../src/metrics/losses.js';
import { WeightedCategoryAccuracy } from '../../../src/metrics/accuracy.js';
import { namedTensors } from '../../../src/core/named_tensors.js';
import { Adam, warmupAndRsqrtDecay } from '../../../src/optimizers/index.js';
import { EvalTask, Loop, type RunDirectory, TrainTask, type TrainingLoop } from '../../../src/training/index.js';
import { foldIn, type Key, makeKey, randomBits } from '../../../src/rng/key.js';

export const VOCAB = 16;
export const N_TAGS = 4;

/** The tag of a token: a fixed, non-trivial function of its id. */
export const tagOf = (id: number): number => (id * 7 + 3) % N_TAGS;

/** An example `(tokens, tags)` drawn from `foldIn(key, index)`: 3 to 8 tokens. */
export function example(key: Key, index: number): NDArray[] {
  const bits = randomBits(foldIn(key, index), 9);
  const length = 3 + (bits[0]! % 6);
  const tokens = Array.from({ length }, (_, i) => 1 + (bits[i + 1]! % (VOCAB - 1)));
  return [ndarray(tokens), ndarray(tokens.map(tagOf))];
}

/** A padded, bucketed, weighted batch pipeline (a function building the stream from its start). */
export function taggingData(seed: number, options: { batchSize?: number; bucketed?: boolean } = {}) {
  const { batchSize = 8, bucketed = false } = options;
  const key = makeKey(seed);
  return DataSerial(
    Generate((i) => example(key, i)),
    Shuffle(32, foldIn(key, 1 << 20)),
    bucketed ? BucketByLength([5], [batchSize, batchSize]) : Batch(batchSize),
    AddLossWeights(0),
  );
}

/** Embedding -> Dense -> Relu -> Dense -> LogSoftmax. */
export function taggerModel(dModel = 16, dHidden = 32): Layer {
  return Serial(Embedding(VOCAB, dModel), Dense(dHidden), Relu(), Dense(N_TAGS), LogSoftmax());
}

/** Options of {@link makeLoop}. */
export interface SetupOptions {
  outputDir?: string | RunDirectory;
  seed?: number;
  logger?: (line: string) => void;
  nStepsPerCheckpoint?: number;
  chart?: boolean;
}

/**
 * The loop of the resume tests: the tagger with dropout, bucketed data, Adam with a warm-up schedule, an eval
 * task; built the same way in the test process and in a child process.
 */
export async function makeLoop(options: SetupOptions = {}): Promise<TrainingLoop> {
  const model = Serial(Embedding(VOCAB, 16), Dense(32), Relu(), Dropout(0.1), Dense(N_TAGS), LogSoftmax());
  const task = new TrainTask({
    labeledData: taggingData(11, { bucketed: true }),
    lossLayer: CrossEntropyLoss(),
    optimizer: new Adam({ learningRate: 0.01, clipGradNorm: 5 }),
    lrSchedule: warmupAndRsqrtDecay(4, 0.02),
    nStepsPerCheckpoint: options.nStepsPerCheckpoint ?? 5,
  });
  const evalTask = new EvalTask({
    labeledData: taggingData(12),
    metrics: [CrossEntropyLoss(), WeightedCategoryAccuracy()],
    nEvalBatches: 2,
  });
  return Loop(model, task, {
    evalTasks: [evalTask],
    outputDir: options.outputDir,
    seed: options.seed ?? 5,
    logger: options.logger ?? (() => undefined),
    chart: options.chart ?? false,
    progress: false,
  });
}

/** The loop's weights by path, as plain numbers, and its history. */
export function snapshot(loop: TrainingLoop): { step: number; weights: Record<string, number[]>; history: unknown[] } {
  const weights: Record<string, number[]> = {};
  for (const [p, t] of namedTensors(loop.model)) weights[p] = Array.from(t.dataSync());
  return { step: loop.step, weights, history: [...loop.history.records] };
}
