/**
 * bench:ner: training tokens/s, inference sentences/s (batch 256) and peak memory of the NER recipe's model on
 * wasm, in one run, against two peers of the same size on the same batches:
 *
 * - trax-ts, like-for-like: the recipe's model configured as the peers are (Embedding 128, 2 pre-LN-style blocks,
 *   4 heads, d_ff 512, ReLU, full attention, reversible off, no CRF, no character or shape features, no dropout);
 * - trax-ts, recipe default: the configuration `npm run ner` trains (see recipes/ner/options.ts);
 * - trax-ts, Reformer: the recipe default with reversible blocks, so the cost of recomputation is visible;
 * - stock @tensorflow/tfjs-layers on wasm with only the UnsortedSegmentSum kernel added (without it an Embedding
 *   cannot train on wasm at all): bench/peers/ner_tfjs_layers.ts, on the first batches only (it is slow);
 * - PyTorch on CPU (Debian python3-torch with libopenblas0-pthread, OPENBLAS_NUM_THREADS=1 GOMP_SPINCOUNT=0, 2 torch
 *   threads): bench/peers/ner_torch.py; the row is skipped, with a message, when torch or OpenBLAS is missing.
 *
 * Worker rows: like-for-like and the recipe default with 1 and N worker threads (N: the machine's cores), each
 * worker with its own wasm backend and copy of the model (a `WorkerPool`): inference, bench/common/ner_infer_row.ts
 * (the same batches, spread over the workers). Each row's ratio to PyTorch is printed, and N workers' to 1, beside
 * what the machine gives N threads at that time (a pure-JavaScript loop on N threads against 1, before and after the
 * worker rows: on a machine shared with other work, the most the rows can scale).
 *
 * Every row runs in its own process, one after the other. The batches (64 GMB training sentences each, bucketed
 * by length; inference: 256 test sentences each, sorted by length) are written to build/bench/ner_batches.json in
 * the peers' format. Peak memory: live tensor bytes (tfjs rows) and peak RSS of the row's process (all rows).
 *
 * With `--baseline <ref>`, the like-for-like and recipe-default rows also run with the code of that commit (unpacked
 * under build/bench/), on the same batches, and the table ends with today's figures as ratios of those.
 *
 * Usage: node scripts/run.mjs bench/ner.ts [--json] [--train-batches N] [--infer-batches N] [--skip-peers]
 *        [--workers N] [--rows REGEX] [--baseline REF]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { makeKey, ner, permutation } from '../src/index.js';
import { DEFAULT_RECIPE } from '../recipes/ner/options.js';
import { baselineCheckout } from './common/baseline_checkout.js';
import { LIKE_FOR_LIKE } from './common/like_for_like.js';
import { parallelCapacity } from './common/parallel_capacity.js';
import type { BenchBatch, BenchFile } from './common/ner_bench_worker.js';

const program = new Command('bench:ner')
  .option('--json', 'print the results as JSON')
  .option('--train-batches <n>', 'timed training batches per row (after 3 warm-up batches)', (v) => Number(v), 30)
  .option('--infer-batches <n>', 'inference batches of 256 sentences', (v) => Number(v), 8)
  .option('--tfjs-layers-batches <n>', 'timed training batches of the (slower) tfjs-layers peer', (v) => Number(v), 10)
  .option('--skip-peers', 'only the trax-ts rows')
  .option(
    '--baseline <ref>',
    'also run the like-for-like and recipe-default rows with the code of this git commit, for before/after ratios in one run',
  )
  .option('--corpus <path>', 'corpus', DEFAULT_RECIPE.corpus)
  .option(
    '--workers <n>',
    'worker threads of the N-worker rows (default: the number of cores)',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--workers must be an integer >= 1, got ${v}`);
      return n;
    },
    availableParallelism(),
  )
  .option('--rows <regex>', 'run only the rows whose name matches (PyTorch, the ratios need it too)')
  .parse(process.argv);
const opts = program.opts<{
  json?: boolean;
  trainBatches: number;
  inferBatches: number;
  tfjsLayersBatches: number;
  skipPeers?: boolean;
  baseline?: string;
  corpus: string;
  workers: number;
  rows?: string;
}>();
const rowFilter = opts.rows === undefined ? undefined : new RegExp(opts.rows);
const log = (line: string): void => {
  if (!opts.json) console.log(line);
};

const WARMUP = 3;
const TRAIN_BATCH = 64;
const INFER_BATCH = 256;

// The data: the recipe's split and vocabularies.
const started = performance.now();
const { train, test } = await ner.loadNerSplits(opts.corpus);
const vocabs = ner.buildNerVocabs(train, [...train, ...test], {
  minWordCount: DEFAULT_RECIPE.minWordCount,
  lowercase: DEFAULT_RECIPE.lowercase,
});
const recipeConfig = DEFAULT_RECIPE.model;
const recipeLayout = ner.featureLayout(recipeConfig);

function batchOf(sentences: readonly ner.Sentence[]): BenchBatch {
  const length = Math.max(...sentences.map((s) => s.words.length));
  const pad = (row: number[]): number[] => [...row, ...new Array<number>(length - row.length).fill(0)];
  return {
    ids: sentences.map((s) => pad(vocabs.words.encode(s.words))),
    tags: sentences.map((s) => pad(vocabs.tags.encode(s.tags))),
    mask: sentences.map((s) => pad(s.words.map(() => 1))),
  };
}

/** The recipe default's token feature rows of a batch's sentences (flat `[B, L, F]`). */
function featuresOf(sentences: readonly ner.Sentence[]): number[] {
  const length = Math.max(...sentences.map((s) => s.words.length));
  const features = new Int32Array(sentences.length * length * recipeLayout.width);
  sentences.forEach((s, b) => ner.encodeFeatures(s.words, vocabs, recipeConfig, features, b * length * recipeLayout.width));
  return Array.from(features);
}

/** `n` groups of `size` sentences from `pool`: a seeded sample, sorted by length, cut into groups, shuffled. */
function groups(pool: readonly ner.Sentence[], n: number, size: number, seed: number, shuffle: boolean): ner.Sentence[][] {
  const order = permutation(makeKey(seed), pool.length);
  const picked = order
    .map((i) => pool[i]!)
    .filter((s) => s.words.length <= 128)
    .slice(0, n * size);
  picked.sort((a, b) => a.words.length - b.words.length);
  const out = Array.from({ length: n }, (_, i) => picked.slice(i * size, (i + 1) * size));
  return shuffle ? permutation(makeKey(seed + 1), n).map((i) => out[i]!) : out;
}

const trainGroups = groups(train, WARMUP + opts.trainBatches, TRAIN_BATCH, 7, true);
const inferGroups = groups(test, opts.inferBatches, INFER_BATCH, 8, false);
const trainBatches = trainGroups.map(batchOf);
const inferBatches = inferGroups.map(batchOf);
const traxFeatures = { [String(recipeLayout.width)]: { train: trainGroups.map(featuresOf), infer: inferGroups.map(featuresOf) } };
const common = {
  vocab_size: vocabs.words.size,
  char_vocab_size: vocabs.chars.size,
  n_tags: vocabs.tags.size,
  d_model: 128,
  d_ff: 512,
  n_heads: 4,
  n_layers: 2,
  max_len: 128,
  dropout: 0,
  torch_threads: 2,
  warmup_steps: WARMUP,
};
const dir = path.resolve('build/bench');
mkdirSync(dir, { recursive: true });
const batchFile = path.join(dir, 'ner_batches.json');
writeFileSync(
  batchFile,
  JSON.stringify({ ...common, train_batches: trainBatches, infer_batches: inferBatches, trax_features: traxFeatures } satisfies BenchFile &
    typeof common),
);
// The tfjs-layers peer trains on fewer batches (it is about ten times slower): one warm-up batch, then the first of
// the timed batches the other rows train on; it tags the same inference batches.
const peerFile = path.join(dir, 'ner_batches_tfjs_layers.json');
writeFileSync(
  peerFile,
  JSON.stringify({
    ...common,
    warmup_steps: 1,
    train_batches: trainBatches.slice(WARMUP - 1, WARMUP + opts.tfjsLayersBatches),
    infer_batches: inferBatches,
  }),
);
const trainTokens = trainBatches.slice(WARMUP).reduce((n, b) => n + b.mask.flat().reduce((s, m) => s + m, 0), 0);
log(
  `Batches: ${opts.trainBatches} timed training batches of ${TRAIN_BATCH} GMB sentences (${trainTokens} tokens, after ${WARMUP} warm-up), ` +
    `${opts.inferBatches} inference batches of ${INFER_BATCH}; vocabulary ${vocabs.words.size} words (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);

interface RowResult {
  row: string;
  /** Worker threads of a worker row (the others run in one thread). */
  workers?: number;
  /** A worker row's sum of the tags it gave (equal across worker counts for the same model). */
  tag_checksum?: number;
  train_tokens_per_s?: number;
  infer_sentences_per_s?: number;
  peak_tensor_bytes?: number;
  peak_rss_bytes?: number;
  last_loss?: number;
  skipped?: string;
  note?: string;
  seconds?: number;
}

function runRow(
  row: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  note?: string,
  cwd = process.cwd(),
): RowResult {
  if (rowFilter && !rowFilter.test(row)) return { row, skipped: `not in --rows ${opts.rows}` };
  log(`Running ${row} ...`);
  const t0 = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, cwd });
  const seconds = (performance.now() - t0) / 1000;
  const line = result.stdout
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (result.status !== 0 || !line) {
    const why = (result.stderr || result.error?.message || 'no output').trim().split('\n').slice(-3).join(' | ');
    return { row, skipped: `failed (exit ${result.status}): ${why}`, seconds };
  }
  return { row, ...(JSON.parse(line) as Omit<RowResult, 'row'>), ...(note ? { note } : {}), seconds };
}

const configFile = (name: string, config: Partial<ner.NerModelConfig>): string => {
  const file = path.join(dir, `ner_config_${name}.json`);
  writeFileSync(file, JSON.stringify(ner.resolveNerModelConfig(config)));
  return file;
};
const node = process.execPath;
const worker = 'bench/common/ner_bench_worker.ts';
const results: RowResult[] = [];
results.push(
  runRow('trax-ts like-for-like (wasm)', node, ['scripts/run.mjs', worker, batchFile, configFile('like_for_like', LIKE_FOR_LIKE)]),
);
// The recipe's rows train as the recipe does, with Polyak averaging (like-for-like has none: the peers have none).
const averaging = String(DEFAULT_RECIPE.averageDecay);
results.push(
  runRow(
    'trax-ts recipe default (wasm)',
    node,
    ['scripts/run.mjs', worker, batchFile, configFile('recipe_default', recipeConfig), averaging],
    process.env,
    describeConfig(recipeConfig),
  ),
);
const reformerConfig = ner.resolveNerModelConfig({ ...recipeConfig, reversible: true });
results.push(
  runRow(
    'trax-ts Reformer, reversible (wasm)',
    node,
    ['scripts/run.mjs', worker, batchFile, configFile('reformer', reformerConfig), averaging],
    process.env,
    describeConfig(reformerConfig),
  ),
);
if (opts.baseline !== undefined) {
  // The same two rows with the code of an earlier commit, on the same batches, in this run.
  const base = baselineCheckout(opts.baseline, dir);
  const baseRow = (row: string, config: string, extra: string[]): RowResult =>
    runRow(`${row} @${base.commit}`, node, ['scripts/run.mjs', worker, batchFile, config, ...extra], process.env, undefined, base.folder);
  // Only the settings that differ from today's defaults: an earlier commit may not know a newer setting, and fills in
  // its own defaults (the same model where both know the setting).
  const baseConfig = (name: string, config: Partial<ner.NerModelConfig>): string => {
    const resolved = ner.resolveNerModelConfig(config) as unknown as Record<string, unknown>;
    const defaults = ner.DEFAULT_NER_MODEL_CONFIG as unknown as Record<string, unknown>;
    const file = path.join(dir, `ner_config_${name}_baseline.json`);
    writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(resolved).filter(([k, v]) => defaults[k] !== v))));
    return file;
  };
  results.push(baseRow('trax-ts like-for-like (wasm)', baseConfig('like_for_like', LIKE_FOR_LIKE), []));
  results.push(baseRow('trax-ts recipe default (wasm)', baseConfig('recipe_default', recipeConfig), [averaging]));
}
// Worker rows: each model with 1 and N workers (a WorkerPool, a wasm backend per worker), one process per row.
// Training rows with workers belong here too, beside the inference ones.
const workerCounts = [...new Set([1, opts.workers])];
// What the machine gives N threads right now (a pure-JavaScript loop, N threads vs 1), before and after the rows.
const capacity: number[] = [];
const measureCapacity = async (): Promise<void> => {
  if (opts.workers > 1) capacity.push(await parallelCapacity(opts.workers));
};
await measureCapacity();
const workerModels: Array<{ label: string; config: string; note?: string }> = [
  { label: 'like-for-like', config: configFile('like_for_like', LIKE_FOR_LIKE) },
  { label: 'recipe default', config: configFile('recipe_default', recipeConfig), note: describeConfig(recipeConfig) },
];
const inferenceRowName = (label: string, workers: number): string =>
  `trax-ts ${label}, inference, ${workers} worker${workers === 1 ? '' : 's'} (wasm)`;
for (const m of workerModels) {
  for (const workers of workerCounts) {
    const row = runRow(
      inferenceRowName(m.label, workers),
      node,
      [
        'scripts/run.mjs',
        '--worker',
        'bench/common/ner_infer_worker.ts',
        'bench/common/ner_infer_row.ts',
        batchFile,
        m.config,
        String(workers),
      ],
      process.env,
      m.note,
    );
    results.push({ ...row, workers });
  }
}
// Training rows with 1 and N threads (data-parallel: each batch cut over the replicas, gradients summed).
const trainingRowName = (label: string, workers: number): string =>
  `trax-ts ${label}, training, ${workers} worker${workers === 1 ? '' : 's'} (wasm)`;
for (const m of workerModels) {
  const decay = m.label === 'like-for-like' ? '0' : averaging;
  for (const workers of workerCounts) {
    const row = runRow(
      trainingRowName(m.label, workers),
      node,
      ['scripts/run.mjs', 'bench/common/ner_train_row.ts', batchFile, m.config, decay, String(workers)],
      process.env,
      m.note,
    );
    results.push({ ...row, workers });
  }
}
await measureCapacity();
if (!opts.skipPeers) {
  results.push(
    runRow(
      'tfjs-layers stock (wasm)',
      node,
      ['scripts/run.mjs', 'bench/peers/ner_tfjs_layers.ts', peerFile],
      process.env,
      `+ UnsortedSegmentSum kernel only; ${opts.tfjsLayersBatches} timed batches`,
    ),
  );
  const torchProblem = rowFilter && !rowFilter.test('PyTorch CPU (2 threads)') ? `not in --rows ${opts.rows}` : torchAvailability();
  if (torchProblem) {
    results.push({ row: 'PyTorch CPU (2 threads)', skipped: torchProblem });
    log(`Skipping PyTorch: ${torchProblem}`);
  } else {
    results.push(
      runRow(
        'PyTorch CPU (2 threads)',
        '/usr/bin/python3',
        ['bench/peers/ner_torch.py', batchFile],
        { ...process.env, OPENBLAS_NUM_THREADS: '1', GOMP_SPINCOUNT: '0' },
        'python3-torch + OpenBLAS',
      ),
    );
  }
}

function describeConfig(c: ner.NerModelConfig): string {
  const attention = c.attention === 'local' ? `local attention (radius ${c.localRadius})` : `${c.attention} attention`;
  const parts = [
    attention,
    c.reversible ? 'reversible' : 'not reversible',
    c.charFeatures ? 'char CNN' : '',
    c.wordShapes ? 'word shapes' : '',
    c.bilstm ? 'BiLSTM' : '',
    c.crf ? 'CRF' : '',
    `dropout ${c.dropout}`,
  ];
  if (DEFAULT_RECIPE.averageDecay > 0) parts.push(`weight averaging ${DEFAULT_RECIPE.averageDecay}`);
  return parts.filter(Boolean).join(', ');
}

/** Why the PyTorch row cannot run fairly, or undefined. */
function torchAvailability(): string | undefined {
  const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (torch.status !== 0) return 'PyTorch is not installed (apt-get install -y python3-torch libopenblas0-pthread)';
  const blas = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libopenblas0-pthread'], { encoding: 'utf8' });
  if (blas.status !== 0 || !/install ok installed/.test(blas.stdout)) {
    return 'libopenblas0-pthread is not installed: Debian torch would use the reference BLAS, about 12x slower, not a fair peer (apt-get install -y libopenblas0-pthread)';
  }
  return undefined;
}

const byName = (prefix: string): RowResult | undefined =>
  results.find((r) => r.row.startsWith(prefix) && !r.skipped && !r.row.includes(' @'));
const baselineOf = (prefix: string): RowResult | undefined =>
  results.find((r) => r.row.startsWith(prefix) && !r.skipped && r.row.includes(' @'));
const ours = byName('trax-ts like-for-like');
const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a !== undefined && b !== undefined ? a / b : undefined;
const ratios = {
  train_vs_torch: ratio(ours?.train_tokens_per_s, byName('PyTorch')?.train_tokens_per_s),
  infer_vs_torch: ratio(ours?.infer_sentences_per_s, byName('PyTorch')?.infer_sentences_per_s),
  train_vs_tfjs_layers: ratio(ours?.train_tokens_per_s, byName('tfjs-layers')?.train_tokens_per_s),
  infer_vs_tfjs_layers: ratio(ours?.infer_sentences_per_s, byName('tfjs-layers')?.infer_sentences_per_s),
  recipe_default_train_vs_like_for_like: ratio(byName('trax-ts recipe')?.train_tokens_per_s, ours?.train_tokens_per_s),
  reversible_train_vs_recipe_default: ratio(byName('trax-ts Reformer')?.train_tokens_per_s, byName('trax-ts recipe')?.train_tokens_per_s),
  like_for_like_train_vs_baseline: ratio(ours?.train_tokens_per_s, baselineOf('trax-ts like-for-like')?.train_tokens_per_s),
  like_for_like_infer_vs_baseline: ratio(ours?.infer_sentences_per_s, baselineOf('trax-ts like-for-like')?.infer_sentences_per_s),
  recipe_default_train_vs_baseline: ratio(byName('trax-ts recipe')?.train_tokens_per_s, baselineOf('trax-ts recipe')?.train_tokens_per_s),
};
const torch = byName('PyTorch');
/** Each trax-ts row's figures over PyTorch's (the targets: >= 1.0x). */
const vsTorch = results
  .filter((r) => r.row.startsWith('trax-ts') && !r.skipped)
  .map((r) => ({
    row: r.row,
    train: ratio(r.train_tokens_per_s, torch?.train_tokens_per_s),
    infer: ratio(r.infer_sentences_per_s, torch?.infer_sentences_per_s),
  }));
/** N workers over 1 worker, in the same run (the target: >= 1.7x). */
const workerScaling = workerModels
  .filter(() => opts.workers > 1)
  .map((m) => {
    const one = results.find((r) => r.row === inferenceRowName(m.label, 1) && !r.skipped);
    const many = results.find((r) => r.row === inferenceRowName(m.label, opts.workers) && !r.skipped);
    const agree = one && many ? one.tag_checksum === many.tag_checksum : undefined;
    return {
      model: m.label,
      workers: opts.workers,
      infer: ratio(many?.infer_sentences_per_s, one?.infer_sentences_per_s),
      train: ratio(
        results.find((r) => r.row === trainingRowName(m.label, opts.workers) && !r.skipped)?.train_tokens_per_s,
        results.find((r) => r.row === trainingRowName(m.label, 1) && !r.skipped)?.train_tokens_per_s,
      ),
      tagsAgree: agree,
    };
  });

if (opts.json) {
  console.log(
    JSON.stringify(
      {
        batches: {
          train: opts.trainBatches,
          trainTokens,
          infer: opts.inferBatches,
          trainBatchSize: TRAIN_BATCH,
          inferBatchSize: INFER_BATCH,
        },
        results,
        ratios,
        vs_torch: vsTorch,
        worker_scaling: workerScaling,
        parallel_capacity: capacity,
      },
      null,
      1,
    ),
  );
} else {
  const mib = (b: number | undefined): string => (b === undefined ? '-' : (b / 2 ** 20).toFixed(0));
  const fmt = (x: number | undefined, d = 0): string => (x === undefined ? '-' : x.toFixed(d));
  const header = ['row', 'train tokens/s', 'infer sent/s', 'peak tensors MiB', 'peak RSS MiB', 'last loss'];
  const rows = results.map((r) =>
    r.skipped
      ? [r.row, `skipped: ${r.skipped}`, '', '', '', '']
      : [
          r.row,
          fmt(r.train_tokens_per_s),
          fmt(r.infer_sentences_per_s),
          mib(r.peak_tensor_bytes),
          mib(r.peak_rss_bytes),
          fmt(r.last_loss, 3),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => !r[1]!.startsWith('skipped')).map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log(line(header));
  for (const r of rows) console.log(r[1]!.startsWith('skipped') ? `${r[0]!.padEnd(widths[0]!)}  ${r[1]}` : line(r));
  for (const r of results) if (r.note && !r.skipped) console.log(`  ${r.row}: ${r.note}`);
  const x = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(2)}x`);
  console.log('');
  console.log(
    `trax-ts like-for-like vs PyTorch:     training ${x(ratios.train_vs_torch)}, inference ${x(ratios.infer_vs_torch)} (targets >= 0.5x)`,
  );
  console.log(
    `trax-ts like-for-like vs tfjs-layers: training ${x(ratios.train_vs_tfjs_layers)} (target >= 10x), inference ${x(ratios.infer_vs_tfjs_layers)}`,
  );
  console.log(
    `recipe default vs like-for-like:      training ${x(ratios.recipe_default_train_vs_like_for_like)} (the cost of the character CNN, word shapes, BiLSTM, CRF, local attention, dropout)`,
  );
  console.log(
    `reversible vs recipe default:         training ${x(ratios.reversible_train_vs_recipe_default)} (the cost of recomputing activations)`,
  );
  if (opts.baseline !== undefined) {
    console.log(
      `like-for-like vs ${opts.baseline}:${' '.repeat(Math.max(1, 17 - opts.baseline.length))}training ${x(ratios.like_for_like_train_vs_baseline)}, inference ${x(ratios.like_for_like_infer_vs_baseline)}`,
    );
    console.log(
      `recipe default vs ${opts.baseline}:${' '.repeat(Math.max(1, 16 - opts.baseline.length))}training ${x(ratios.recipe_default_train_vs_baseline)}`,
    );
  }
  console.log('');
  console.log('each trax-ts row vs PyTorch (targets >= 1.0x):');
  const width = Math.max(...vsTorch.map((r) => r.row.length));
  for (const r of vsTorch) {
    const parts = [r.train !== undefined ? `training ${x(r.train)}` : '', r.infer !== undefined ? `inference ${x(r.infer)}` : ''].filter(
      Boolean,
    );
    console.log(`  ${r.row.padEnd(width)}  ${parts.join(', ') || 'n/a (no PyTorch row)'}`);
  }
  if (capacity.length > 0)
    console.log(
      `this machine now: ${opts.workers} threads of a pure-JavaScript loop run at ${capacity.map((c) => x(c)).join(' (before the worker rows), ')} (after) the throughput of one (the most the worker rows can scale)`,
    );
  for (const s of workerScaling) {
    const agree = s.tagsAgree === undefined ? '' : s.tagsAgree ? ', the same tags' : ', DIFFERENT TAGS';
    console.log(`${s.model}: ${s.workers} workers vs 1, training ${x(s.train)}, inference ${x(s.infer)} (targets >= 1.7x)${agree}`);
  }
  console.log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
