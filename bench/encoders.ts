/**
 * Training speed of the NER recipe's context encoders (`--encoder`) on the same batches, their steps interleaved
 * (encoder 1's step, encoder 2's, ..., then again) so that a machine whose load changes during the run slows every
 * encoder alike: the ratios hold on a shared machine where the absolute figures do not.
 *
 *   node scripts/run.mjs bench/encoders.ts [--json] [--steps 20] [--warmup 2] [--sentences 6000] [--batch-tokens 2048]
 *
 * The models are the recipe's default preset with `--encoder` reformer (its BiLSTM and Reformer), reformer without
 * the BiLSTM, transformer, bilstm and cnn (each as `withEncoder` makes it from the preset, as the command line
 * does), trained as the recipe trains (Adam, clipping at 1, Polyak averaging 0.999) on the recipe's batches (the
 * first `--sentences` GMB sentences, `nerBatches` with seed 1 and word dropout 0.05, about `--batch-tokens`
 * positions each). Tokens/s: the real tokens of the timed batches over the sum of the encoder's step times
 * (`--warmup` untimed rounds first); the median step is printed too.
 */
import { ner, type Tensor, tf, useBackend } from '../src/index.js';
import { DEFAULT_CORPUS } from '../recipes/ner/default_corpus.js';
import { DEFAULT_RECIPE, withEncoder } from '../recipes/ner/options.js';
import { forEachFlag } from './common/cli_flags.js';
import { taggerTrainer } from './common/tagger_trainer.js';

interface Options {
  json: boolean;
  steps: number;
  warmup: number;
  sentences: number;
  batchTokens: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, steps: 20, warmup: 2, sentences: 6000, batchTokens: DEFAULT_RECIPE.batchTokens };
  forEachFlag(argv, (a, value) => {
    if (a === '--json') o.json = true;
    else if (a === '--steps') o.steps = value.positiveInt();
    else if (a === '--warmup') o.warmup = value.positiveInt();
    else if (a === '--sentences') o.sentences = value.positiveInt();
    else if (a === '--batch-tokens') o.batchTokens = value.positiveInt();
    else throw new Error(`unknown argument ${a}`);
  });
  return o;
}

/** The rows: a name and the model the command line would build. */
function encoderRows(): Array<{ name: string; config: ner.NerModelConfig }> {
  const base = DEFAULT_RECIPE.model;
  return [
    { name: 'reformer (default: BiLSTM + Reformer)', config: withEncoder(base, {}, 'reformer', false) },
    { name: 'reformer --no-bilstm', config: withEncoder(base, { bilstm: false }, 'reformer', true) },
    { name: 'transformer', config: withEncoder(base, {}, 'transformer', false) },
    { name: 'bilstm', config: withEncoder(base, {}, 'bilstm', false) },
    { name: 'cnn', config: withEncoder(base, {}, 'cnn', false) },
  ];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await useBackend('wasm');
  const sentences = (await ner.readNerCorpus(DEFAULT_CORPUS, { limit: o.sentences })).filter((s) => s.words.length > 0);
  const vocabs = ner.buildNerVocabs(sentences, sentences);
  const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  const rows = encoderRows();
  const examples = ner.encodeExamples(sentences, vocabs, rows[0]!.config);
  const batches: Tensor[][] = [];
  const stream = ner.nerBatches(examples, { seed: 1, batchTokens: o.batchTokens, maxLength: 128, unkRate: DEFAULT_RECIPE.unkRate })();
  for await (const [f, t, w] of stream) {
    batches.push([
      tf.tensor(f!.data, [...f!.shape], 'int32'),
      tf.tensor(t!.data, [...t!.shape], 'int32'),
      tf.tensor(w!.data, [...w!.shape], 'float32'),
    ]);
    if (batches.length === o.warmup + o.steps) break;
  }
  const tokens = batches.slice(o.warmup).reduce((n, b) => n + (b[2]!.sum().dataSync()[0] ?? 0), 0);
  const first = batches[0]![0]!.shape;
  const trainers = rows.map((r) =>
    taggerTrainer(r.config, sizes, [first[0], first[1]!], {
      learningRate: DEFAULT_RECIPE.learningRate,
      averageDecay: DEFAULT_RECIPE.averageDecay,
      clipGradNorm: DEFAULT_RECIPE.clipGradNorm,
    }),
  );
  const times = rows.map(() => [] as number[]);
  batches.forEach((batch, i) => {
    trainers.forEach((trainer, k) => {
      const t0 = performance.now();
      trainer.step(batch);
      if (i >= o.warmup) times[k]!.push((performance.now() - t0) / 1000);
    });
  });
  const results = rows.map((r, k) => {
    const sorted = [...times[k]!].sort((a, b) => a - b);
    const total = sorted.reduce((a, b) => a + b, 0);
    return {
      encoder: r.name,
      description: ner.describeNerEncoder(r.config),
      tokensPerSecond: tokens / total,
      medianStepSeconds: sorted[Math.floor(sorted.length / 2)]!,
    };
  });
  if (o.json) {
    console.log(JSON.stringify({ backend: 'wasm', options: o, tokens, results }, null, 1));
    return;
  }
  console.log(`Training speed by encoder, wasm: ${o.steps} timed batches of the recipe (${tokens} tokens), steps interleaved`);
  console.log('');
  console.log('| encoder | model | train tokens/s | x default | median step s |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of results)
    console.log(
      `| ${r.encoder} | ${r.description} | ${r.tokensPerSecond.toFixed(0)} | ${(r.tokensPerSecond / results[0]!.tokensPerSecond).toFixed(2)}x | ${r.medianStepSeconds.toFixed(3)} |`,
    );
}

await main();
