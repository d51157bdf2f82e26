/**
 * The smallest end-to-end use of trax-ts: build a model from combinators and core layers, initialise it from an
 * input signature (no data), run it on a batch, and print its layer tree and weight paths.
 *
 * Run: npm run example [-- --backend cpu]
 */
import { Command } from 'commander';
import {
  Dense,
  Dropout,
  Embedding,
  LayerNorm,
  LogSoftmax,
  Relu,
  Residual,
  Serial,
  type BackendName,
  currentBackend,
  namedTensors,
  shapeDtype,
  tf,
  useBackend,
} from '../src/index.js';

const program = new Command()
  .name('example')
  .description('Build, initialise and run a small trax-ts tagger, and print its layer tree.')
  .option('--backend <name>', 'wasm | cpu', 'wasm')
  .option('--seed <n>', 'random seed for the weights', '1')
  .parse();
const options = program.opts<{ backend: BackendName; seed: string }>();

await useBackend(options.backend);

const vocabSize = 1000;
const nTags = 17;
const model = Serial(
  Embedding(vocabSize, 64),
  Residual(LayerNorm(), Dense(128), Relu(), Dropout(0.1), Dense(64)),
  Dense(nTags),
  LogSoftmax(),
);
model.mode = 'eval';

const { outputSignature } = model.init(shapeDtype([4, 12], 'int32'), { seed: Number(options.seed) });
console.log(`backend: ${currentBackend()}`);
console.log(`model:\n${model.toString()}`);
console.log(`output signature from init: ${JSON.stringify(outputSignature)}`);

const ids = tf.tensor2d(
  Array.from({ length: 48 }, (_, i) => (i * 37) % vocabSize),
  [4, 12],
  'int32',
);
const logProbs = model.call(ids) as tf.Tensor;
const tags = logProbs.argMax(-1).arraySync() as number[][];
console.log(`output shape: [${logProbs.shape}]; predicted tags of the first row: ${tags[0]!.join(' ')}`);
const sumOfProbabilities = logProbs.exp().sum(-1).mean().dataSync()[0]!;
console.log(`mean sum of probabilities per token: ${sumOfProbabilities.toFixed(6)}`);

console.log('weights by path:');
let total = 0;
for (const [path, tensor] of namedTensors(model)) {
  total += tensor.size;
  console.log(`  ${path.padEnd(44)} [${tensor.shape.join(', ')}]`);
}
console.log(`${total} weights`);
