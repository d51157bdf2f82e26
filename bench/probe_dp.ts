import { readFileSync } from 'node:fs';
import { Adam, makeKey, ner, useBackend, tf } from '../src/index.js';
import { DataParallelTrainer } from '../src/parallel/data_parallel_trainer.js';
import type { BenchFile } from './common/ner_bench_worker.js';
const file = JSON.parse(readFileSync('build/bench/ner_batches.json', 'utf8')) as BenchFile;
const config = ner.resolveNerModelConfig(JSON.parse(readFileSync(process.argv[2]!, 'utf8')));
const workers = Number(process.argv[3]);
await useBackend('wasm');
const layout = ner.featureLayout(config);
const sizes = { wordVocabSize: file.vocab_size, charVocabSize: file.char_vocab_size, nTags: file.n_tags };
const model = ner.NerTaggerModel(config, sizes, 'train');
const lossLayer = ner.NerLoss(config, file.n_tags);
const first = file.train_batches[0]!;
model.init({ shape: [first.ids.length, first.ids[0]!.length, layout.width], dtype: 'int32' }, { seed: 1 });
lossLayer.init([
  { shape: [first.ids.length, first.ids[0]!.length, file.n_tags], dtype: 'float32' },
  { shape: [first.ids.length, first.ids[0]!.length], dtype: 'int32' },
  { shape: [first.ids.length, first.ids[0]!.length], dtype: 'float32' },
]);
const trainer = await DataParallelTrainer.start(model, lossLayer, new Adam({ learningRate: 1e-3 }), {
  workers,
  module: 'src/ner/model/ner_gradient_worker.ts',
  init: { config, sizes },
});
const feats = file.trax_features?.[String(layout.width)];
const arrays = (i: number) => {
  const b = file.train_batches[i]!;
  const n = b.ids.length,
    l = b.ids[0]!.length;
  return [
    {
      dtype: 'int32' as const,
      shape: [n, l, layout.width],
      data: layout.width === 1 ? Int32Array.from(b.ids.flat()) : Int32Array.from(feats!.train[i]!),
    },
    { dtype: 'int32' as const, shape: [n, l], data: Int32Array.from(b.tags.flat()) },
    { dtype: 'float32' as const, shape: [n, l], data: Float32Array.from(b.mask.flat()) },
  ];
};
let tokens = 0;
let t0 = 0;
for (let i = 0; i < file.train_batches.length; i++) {
  if (i === 3) t0 = performance.now();
  const r = await trainer.step(arrays(i), makeKey(i), { learningRate: 1e-3 });
  if (i >= 3) tokens += file.train_batches[i]!.mask.flat().reduce((a, b) => a + b, 0);
  if (i === file.train_batches.length - 1) console.log('loss', r.loss);
}
console.log(JSON.stringify({ workers, tokensPerSecond: tokens / ((performance.now() - t0) / 1000), numTensors: tf.memory().numTensors }));
trainer.dispose();
process.exit(0);
