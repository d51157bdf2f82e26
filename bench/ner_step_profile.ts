/**
 * Profile of one training step of a NER tagger on wasm (the recipe default unless a config file is given), on the
 * batches bench:ner writes (run `npm run bench:ner -- --only recipe` once first, or any bench:ner run): where the
 * step's time goes, by part of the model and by kernel.
 *
 * Every layer call is labelled with its path of layer names (`NerTagger/BiLSTM/Parallel/LSTM_64/...`); each tape
 * node the forward pass records keeps its label, and its gradient runs under `backward <label>`. Wall time is
 * charged to the label active at the moment (exclusive time: kernels plus the JavaScript around them); kernel
 * time is measured by wrapping every wasm kernel registered after the warm-up steps. Time outside any layer
 * (tape bookkeeping, gradient accumulation) goes to `(step)`, the optimizer's update to `(optimizer)`. The step is
 * bench/common/ner_bench_worker.ts's: `Trainer.oneStep` with Adam (averaging 0.999, as the recipe's rows).
 *
 * `--plain` leaves everything unwrapped and only times the steps: wall time, and the process's CPU time (user and
 * system), which a machine shared with other work disturbs much less than wall time.
 *
 *   node scripts/run.mjs bench/ner_step_profile.ts [--config FILE] [--batches FILE] [--steps N] [--depth N] [--kernels N]
 *     [--shapes] [--plain]
 */
import { readFileSync } from 'node:fs';
import { getKernelsForBackend, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { Adam, makeKey, ner, type Tensor, tf, Trainer, useBackend } from '../src/index.js';
import { Layer } from '../src/core/base.js';
import type { Optimizer } from '../src/optimizers/optimizer.js';
import { forEachFlag } from './common/cli_flags.js';
import type { BenchFile } from './common/ner_bench_worker.js';

let batchFile = 'build/bench/ner_batches.json';
let configFile = 'build/bench/ner_config_recipe_default.json';
let steps = 20;
let depth = 3;
let topKernels = 8;
let shapes = false;
let plain = false;
forEachFlag(process.argv.slice(2), (flag, value) => {
  if (flag === '--batches') batchFile = value.text();
  else if (flag === '--config') configFile = value.text();
  else if (flag === '--steps') steps = value.positiveInt();
  else if (flag === '--depth') depth = value.positiveInt();
  else if (flag === '--kernels') topKernels = value.positiveInt();
  else if (flag === '--shapes') shapes = true;
  else if (flag === '--plain') plain = true;
  else throw new Error(`unknown flag ${flag}`);
});

// ---- Labels: the active one, and the wall time charged to each.
const wallMs = new Map<string, number>();
let label = '(step)';
let since = performance.now();
let recording = false;
function switchTo(next: string): string {
  const now = performance.now();
  if (recording) wallMs.set(label, (wallMs.get(label) ?? 0) + now - since);
  since = now;
  const previous = label;
  label = next;
  return previous;
}
function under<T>(next: string, f: () => T): T {
  const previous = switchTo(next);
  try {
    return f();
  } finally {
    switchTo(previous);
  }
}

// Forward: every layer call pushes its name. Backward: each tape node keeps the label it was recorded under; its
// gradient (and the thunks it returns, where most gradients do their work) run under `backward <label>`.
type Thunks = Record<string, () => Tensor>;
interface TapeNode {
  gradient?: (dys: Tensor[]) => Thunks;
}
function labelLayersAndTape(): void {
  const path: string[] = [];
  const pureFn = Layer.prototype.pureFn;
  Layer.prototype.pureFn = function (this: Layer, ...args: Parameters<typeof pureFn>) {
    path.push(this.name);
    try {
      return under(path.join('/'), () => pureFn.apply(this, args));
    } finally {
      path.pop();
    }
  };
  const engine = tf.engine() as unknown as {
    addTapeNode: (...args: unknown[]) => void;
    state: { activeTape: TapeNode[] };
  };
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]) => {
    addTapeNode(...args);
    const node = engine.state.activeTape[engine.state.activeTape.length - 1]!;
    const gradient = node.gradient;
    if (!gradient) return;
    const back = `backward ${label}`;
    node.gradient = (dys) => {
      const thunks = under(back, () => gradient(dys));
      return Object.fromEntries(Object.entries(thunks).map(([k, f]) => [k, () => under(back, f)]));
    };
  };
}

/**
 * `[a shape]x[b shape]` and the transposes of a kernel call's inputs (`--shapes`); sizes of 1000 and more (the
 * batch's tokens, which vary from batch to batch) read `N`.
 */
function shapeKey(inputs: Record<string, unknown>, attrs: Record<string, unknown> | undefined): string {
  const dims = Object.values(inputs).map((t) => `[${(t as { shape: number[] }).shape.map((d) => (d >= 1000 ? 'N' : d)).join(',')}]`);
  const t = attrs && 'transposeA' in attrs ? `${attrs.transposeA ? 'T' : ''}${attrs.transposeB ? '.T' : ''}` : '';
  return ` ${dims.join('x')}${t}`;
}

/** The multiply-adds of a `BatchMatMul` call. */
function macsOf(inputs: Record<string, unknown>, attrs: Record<string, unknown> | undefined): number {
  const [a, b] = [inputs['a'], inputs['b']] as [{ shape: number[] }, { shape: number[] }];
  const rows = a.shape[a.shape.length - (attrs?.['transposeA'] ? 1 : 2)]!;
  const inner = a.shape[a.shape.length - (attrs?.['transposeA'] ? 2 : 1)]!;
  const cols = b.shape[b.shape.length - (attrs?.['transposeB'] ? 2 : 1)]!;
  const batch = Math.max(
    a.shape.slice(0, -2).reduce((x, y) => x * y, 1),
    b.shape.slice(0, -2).reduce((x, y) => x * y, 1),
  );
  return batch * rows * inner * cols;
}
let productMacs = 0;

// Kernels: wrapped once the warm-up steps have registered every kernel the step uses.
const kernelMs = new Map<string, Map<string, { ms: number; calls: number }>>();
let kernelDepth = 0;
function wrapKernels(): void {
  for (const config of getKernelsForBackend('wasm')) {
    const { kernelFunc, kernelName } = config;
    const timed: KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        if (!recording || kernelDepth > 0) return kernelFunc(args);
        kernelDepth++;
        const t0 = performance.now();
        try {
          return kernelFunc(args);
        } finally {
          kernelDepth--;
          const byKernel = kernelMs.get(label) ?? new Map<string, { ms: number; calls: number }>();
          kernelMs.set(label, byKernel);
          if (kernelName === 'BatchMatMul') productMacs += macsOf(args.inputs, args.attrs);
          const key = shapes ? `${kernelName}${shapeKey(args.inputs, args.attrs)}` : kernelName;
          const k = byKernel.get(key) ?? { ms: 0, calls: 0 };
          k.ms += performance.now() - t0;
          k.calls++;
          byKernel.set(key, k);
        }
      },
    };
    unregisterKernel(kernelName, 'wasm');
    registerKernel(timed);
  }
}

// ---- The step, as bench/common/ner_bench_worker.ts runs it.
const file = JSON.parse(readFileSync(batchFile, 'utf8')) as BenchFile;
const config = ner.resolveNerModelConfig(JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>);
await useBackend('wasm');
const layout = ner.featureLayout(config);
const features = file.trax_features?.[String(layout.width)];
const sizes = { wordVocabSize: file.vocab_size, charVocabSize: file.char_vocab_size, nTags: file.n_tags };
const model = ner.NerTaggerModel(config, sizes, 'train');
const lossLayer = ner.NerLoss(config, file.n_tags);
const optimizer: Optimizer = new Adam({ learningRate: 1e-3, averageDecay: 0.999 });
if (!plain) {
  labelLayersAndTape();
  const treeUpdate = optimizer.treeUpdate.bind(optimizer);
  optimizer.treeUpdate = (...args) => under('(optimizer)', () => treeUpdate(...args));
}
const first = file.train_batches[0]!;
const [b0, l0] = [first.ids.length, first.ids[0]!.length];
model.init({ shape: [b0, l0, layout.width], dtype: 'int32' }, { seed: 1 });
lossLayer.init([
  { shape: [b0, l0, file.n_tags], dtype: 'float32' },
  { shape: [b0, l0], dtype: 'int32' },
  { shape: [b0, l0], dtype: 'float32' },
]);
const trainer = new Trainer(model, lossLayer, optimizer);
function step(i: number): number {
  const b = file.train_batches[i % file.train_batches.length]!;
  const [n, l] = [b.ids.length, b.ids[0]!.length];
  const x =
    layout.width === 1
      ? tf.tensor(Int32Array.from(b.ids.flat()), [n, l, 1], 'int32')
      : tf.tensor(Int32Array.from(features!.train[i % file.train_batches.length]!), [n, l, layout.width], 'int32');
  const batch = [x, tf.tensor2d(b.tags, undefined, 'int32'), tf.tensor2d(b.mask, undefined, 'float32')];
  try {
    trainer.oneStep(batch, makeKey(trainer.optimizerSteps), { learningRate: 1e-3 });
  } finally {
    tf.dispose(batch);
  }
  return b.mask.flat().reduce((s, m) => s + m, 0);
}

const warmup = file.warmup_steps;
for (let i = 0; i < warmup; i++) step(i);
if (!plain) wrapKernels();
recording = !plain;
switchTo('(step)');
let tokens = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) tokens += step(warmup + i);
const totalMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
switchTo('(step)');
recording = false;
if (plain) {
  console.log(
    `${steps} steps after ${warmup} warm-up: ${(totalMs / steps).toFixed(1)} ms a step (${((tokens / totalMs) * 1000).toFixed(0)} tokens/s), ` +
      `${(cpuMs / steps).toFixed(1)} ms of CPU a step (${((tokens / cpuMs) * 1000).toFixed(0)} tokens per CPU second) (${configFile})`,
  );
  process.exit(0);
}

// ---- Report: by label prefix of `depth` names, then the top kernels of each.
const keyOf = (l: string): string => {
  const backward = l.startsWith('backward ');
  const names = (backward ? l.slice('backward '.length) : l).split('/');
  return `${backward ? 'backward ' : ''}${names.slice(0, depth).join('/')}`;
};
interface Row {
  wall: number;
  kernel: number;
  calls: number;
  kernels: Map<string, { ms: number; calls: number }>;
}
const rows = new Map<string, Row>();
const rowOf = (k: string): Row => {
  const row = rows.get(k) ?? { wall: 0, kernel: 0, calls: 0, kernels: new Map() };
  rows.set(k, row);
  return row;
};
for (const [l, ms] of wallMs) rowOf(keyOf(l)).wall += ms;
for (const [l, byKernel] of kernelMs) {
  const row = rowOf(keyOf(l));
  for (const [name, k] of byKernel) {
    row.kernel += k.ms;
    row.calls += k.calls;
    const sum = row.kernels.get(name) ?? { ms: 0, calls: 0 };
    sum.ms += k.ms;
    sum.calls += k.calls;
    row.kernels.set(name, sum);
  }
}
const per = (x: number): string => (x / steps).toFixed(1).padStart(7);
console.log(
  `${steps} steps after ${warmup} warm-up: ${(totalMs / steps).toFixed(1)} ms a step, ${((tokens / totalMs) * 1000).toFixed(0)} tokens/s (${configFile})`,
);
console.log('');
console.log(`${'part'.padEnd(70)} ${'wall ms'.padStart(7)} ${'kern ms'.padStart(7)} ${'kernels'.padStart(7)}   share`);
const sorted = [...rows.entries()].sort((a, b) => b[1].wall - a[1].wall);
for (const [k, row] of sorted) {
  console.log(
    `${k.padEnd(70)} ${per(row.wall)} ${per(row.kernel)} ${per(row.calls)}   ${((row.wall / totalMs) * 100).toFixed(1).padStart(5)}%`,
  );
}
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const row of rows.values()) {
  for (const [name, k] of row.kernels) {
    const sum = byKernel.get(name) ?? { ms: 0, calls: 0 };
    sum.ms += k.ms;
    sum.calls += k.calls;
    byKernel.set(name, sum);
  }
}
const kernelTotal = [...byKernel.values()].reduce((t, k) => t + k.ms, 0);
console.log('');
console.log(
  `Kernels: ${(kernelTotal / steps).toFixed(1)} ms a step in ${([...byKernel.values()].reduce((t, k) => t + k.calls, 0) / steps).toFixed(0)} calls ` +
    `(the rest of the step, ${((totalMs - kernelTotal) / steps).toFixed(1)} ms, is JavaScript: tfjs's engine, the tape, host loops)`,
);
const products = [...byKernel.entries()].filter(([name]) => name.startsWith('BatchMatMul')).reduce((t, [, k]) => t + k.ms, 0);
console.log(
  `Products (BatchMatMul): ${(productMacs / steps / 1e9).toFixed(3)} GMAC a step (${(productMacs / tokens / 1e6).toFixed(2)} M a token) ` +
    `in ${(products / steps).toFixed(1)} ms: ${(productMacs / products / 1e6).toFixed(1)} GMAC/s`,
);
for (const [name, k] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 3 * topKernels)) {
  console.log(`  ${name.padEnd(40)} ${(k.ms / steps).toFixed(1).padStart(7)} ms ${(k.calls / steps).toFixed(0).padStart(6)} calls`);
}
console.log('');
console.log(`Top ${topKernels} kernels of each part (ms a step, calls a step):`);
for (const [k, row] of sorted) {
  if (row.kernels.size === 0) continue;
  const top = [...row.kernels.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, topKernels);
  console.log(`  ${k}: ${top.map(([name, s]) => `${name} ${(s.ms / steps).toFixed(1)} (${(s.calls / steps).toFixed(0)})`).join(', ')}`);
}
