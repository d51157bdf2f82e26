/**
 * One training row of the NER benchmark with N threads (bench/ner.ts runs it as its own process): the recipe's
 * model, configured as asked, trained by the Loop's trainer for N replicas (`DataParallelTrainer` with
 * `ner.nerDataParallel`: each batch cut over this thread and N - 1 gradient workers; 1: the plain `Trainer`), on the
 * benchmark's batches, on wasm. Prints one JSON line: train_tokens_per_s, last_loss, workers.
 *
 * Usage: node scripts/run.mjs bench/common/ner_train_row.ts <batches.json> <config.json> <averageDecay> <workers>
 */
import { readFileSync } from 'node:fs';
import { Adam, DataParallelTrainer, makeKey, ner, useBackend, type data } from '../../src/index.js';
import type { BenchFile } from './ner_bench_worker.js';

const file = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BenchFile;
const config = ner.resolveNerModelConfig(JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as Record<string, unknown>);
const averageDecay = Number(process.argv[4] ?? 0);
const workers = Number(process.argv[5] ?? 1);
await useBackend('wasm');
const layout = ner.featureLayout(config);
const features = file.trax_features?.[String(layout.width)];
const sizes = { wordVocabSize: file.vocab_size, charVocabSize: file.char_vocab_size, nTags: file.n_tags };
const model = ner.NerTaggerModel(config, sizes, 'train');
const lossLayer = ner.NerLoss(config, file.n_tags);
const first = file.train_batches[0]!;
const [b0, l0] = [first.ids.length, first.ids[0]!.length];
model.init({ shape: [b0, l0, layout.width], dtype: 'int32' }, { seed: 1 });
lossLayer.init([
  { shape: [b0, l0, file.n_tags], dtype: 'float32' },
  { shape: [b0, l0], dtype: 'int32' },
  { shape: [b0, l0], dtype: 'float32' },
]);
const trainer = await DataParallelTrainer.start(
  model,
  lossLayer,
  new Adam({ learningRate: 1e-3, averageDecay }),
  ner.nerDataParallel(workers, { config, sizes }),
);

/** Batch `i` as host arrays: features `[B, L, F]`, tags and mask `[B, L]`. */
function arrays(i: number): data.NDArray[] {
  const b = file.train_batches[i]!;
  const [n, l] = [b.ids.length, b.ids[0]!.length];
  const rows = layout.width === 1 ? b.ids.flat() : features!.train[i]!;
  return [
    { dtype: 'int32', shape: [n, l, layout.width], data: Int32Array.from(rows) },
    { dtype: 'int32', shape: [n, l], data: Int32Array.from(b.tags.flat()) },
    { dtype: 'float32', shape: [n, l], data: Float32Array.from(b.mask.flat()) },
  ];
}

let lastLoss = 0;
for (let i = 0; i < file.warmup_steps; i++) await trainer.step(arrays(i), makeKey(i), { learningRate: 1e-3 });
let tokens = 0;
const t0 = performance.now();
for (let i = file.warmup_steps; i < file.train_batches.length; i++) {
  lastLoss = (await trainer.step(arrays(i), makeKey(i), { learningRate: 1e-3 })).loss;
  tokens += file.train_batches[i]!.mask.flat().reduce((s, m) => s + m, 0);
}
const seconds = (performance.now() - t0) / 1000;
await trainer.close();
trainer.dispose();
console.log(JSON.stringify({ train_tokens_per_s: tokens / seconds, last_loss: lastLoss, workers }));
