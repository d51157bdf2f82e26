/**
 * One trax-ts row of the NER benchmark (bench/ner.ts runs it as its own process, like the peers): trains the
 * recipe's model, configured as asked, on the benchmark's batches on wasm, then tags the inference batches.
 * Prints one JSON line: train_tokens_per_s, infer_sentences_per_s, peak_tensor_bytes, peak_rss_bytes, last_loss.
 *
 * Usage: node scripts/run.mjs bench/common/ner_bench_worker.ts <batches.json> <config.json> [averageDecay]
 */
import { readFileSync } from 'node:fs';
import { Adam, makeKey, ner, type Tensor, tf, Trainer, useBackend } from '../../src/index.js';
import { installMemoryMeter } from './memory_meter.js';
import { type BenchBatch, timeInference, timeTraining } from './ner_bench_timing.js';

/** The batch format, from the shared timing loops (bench/ner.ts writes batches of it). */
export type { BenchBatch };

/**
 * The benchmark's batches file. Besides the peers' fields, `trax_features` holds, for configurations with more
 * than word ids, each batch's token feature rows (flat `[B, L, F]`), keyed by the layout width `F`.
 */
export interface BenchFile {
  vocab_size: number;
  char_vocab_size: number;
  n_tags: number;
  warmup_steps: number;
  train_batches: BenchBatch[];
  infer_batches: BenchBatch[];
  trax_features?: Record<string, { train: number[][]; infer: number[][] }>;
}

/** The features tensor of a batch for a feature layout width (word ids alone, or precomputed rows). */
function featuresOf(b: BenchBatch, width: number, precomputed: number[] | undefined): Tensor {
  const [n, l] = [b.ids.length, b.ids[0]!.length];
  if (width === 1) return tf.tensor(Int32Array.from(b.ids.flat()), [n, l, 1], 'int32');
  if (!precomputed) throw new Error(`the batches file has no features of width ${width}`);
  return tf.tensor(Int32Array.from(precomputed), [n, l, width], 'int32');
}

async function main(): Promise<void> {
  const file = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BenchFile;
  const config = ner.resolveNerModelConfig(JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as Record<string, unknown>);
  await useBackend('wasm');
  installMemoryMeter();
  const layout = ner.featureLayout(config);
  const features = file.trax_features?.[String(layout.width)];
  const sizes = { wordVocabSize: file.vocab_size, charVocabSize: file.char_vocab_size, nTags: file.n_tags };
  const model = ner.NerTaggerModel(config, sizes, 'train');
  const lossLayer = ner.NerLoss(config, file.n_tags);
  // Optional third argument: the decay of Polyak averaging (the recipe's rows train with it).
  const optimizer = new Adam({ learningRate: 1e-3, averageDecay: Number(process.argv[4] ?? 0) });
  const first = file.train_batches[0]!;
  model.init({ shape: [first.ids.length, first.ids[0]!.length, layout.width], dtype: 'int32' }, { seed: 1 });
  lossLayer.init([
    { shape: [first.ids.length, first.ids[0]!.length, file.n_tags], dtype: 'float32' },
    { shape: [first.ids.length, first.ids[0]!.length], dtype: 'int32' },
    { shape: [first.ids.length, first.ids[0]!.length], dtype: 'float32' },
  ]);
  const trainer = new Trainer(model, lossLayer, optimizer);
  const step = (b: BenchBatch): number => {
    const i = file.train_batches.indexOf(b);
    const batch = [
      featuresOf(b, layout.width, features?.train[i]),
      tf.tensor2d(b.tags, undefined, 'int32'),
      tf.tensor2d(b.mask, undefined, 'float32'),
    ];
    try {
      return trainer.oneStep(batch, makeKey(trainer.optimizerSteps), { learningRate: 1e-3 }).loss;
    } finally {
      tf.dispose(batch);
    }
  };
  const training = timeTraining(file.train_batches, file.warmup_steps, step);

  model.mode = 'eval';
  const infer = (b: BenchBatch): void => {
    const x = featuresOf(b, layout.width, features?.infer[file.infer_batches.indexOf(b)]);
    const tags = tf.tidy(() => tf.argMax(model.pureFn(x, model.weights, model.state, makeKey(0))[0] as Tensor, -1));
    tags.dataSync();
    tf.dispose([tags, x]);
  };
  const sentencesPerSecond = timeInference(file.infer_batches, infer);
  console.log(
    JSON.stringify({
      train_tokens_per_s: training.tokensPerSecond,
      infer_sentences_per_s: sentencesPerSecond,
      peak_tensor_bytes: training.peakBytes,
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      last_loss: training.lastLoss,
    }),
  );
}

await main();
