/**
 * Full versus LSH self-attention: time and peak memory of one forward + backward pass at growing lengths, on the
 * wasm backend (the fast BatchMatMul kernel of src/backend/replacements/fast_batch_matmul.ts is active).
 *
 *   node scripts/run.mjs bench/attention.ts [--json] [--lengths 512,1024,...] [--reps 3] [--backend wasm|cpu]
 *        [--dmodel 64] [--heads 2] [--dqk 32] [--chunk 64] [--hashes 2] [--limit-mib 1536] [--stock-matmul]
 *
 * `--stock-matmul` runs with tfjs's own wasm BatchMatMul instead of the fast one, to measure what it brings.
 *
 * Layers: `SelfAttention({ nHeads, dQk, dV })` (full, non-causal) and `LSHSelfAttention({ nHeads, dQk, dV,
 * chunkLen, nHashes, nChunksBefore: 1 })`, batch 1, dropout off. One pass = `tf.grads` of `sum(y * probe)` with
 * respect to the input and every weight, inside `tf.tidy`; the time is the median of `--reps` passes after one
 * warm-up pass.
 *
 * Peak memory: the high-water mark of live tensor bytes during one pass, each data buffer counted once, as
 * measured by `bench/common/memory_meter.ts` (the same meter as bench/memory.ts), minus the bytes live before the
 * pass (weights, input). Scratch memory a kernel frees before returning is not counted.
 *
 * Out-of-memory guard: on wasm, live tensors near 2 GiB corrupt silently, so a configuration whose estimated peak
 * exceeds `--limit-mib` (default 1.5 GiB) is not run and is reported as OOM. The estimate is
 * `bytesPerScore * (number of attention scores)`: full attention has `B * H * L^2` scores, LSH attention
 * `B * H * nHashes * L * window` (window = chunk * (1 + nChunksBefore)); `bytesPerScore` starts from a
 * conservative constant and is raised to the largest ratio (peak / scores) measured at the lengths already run.
 */
import {
  type BackendName,
  flattenTree,
  type Layer,
  LSHSelfAttention,
  makeKey,
  mapTree,
  normal,
  SelfAttention,
  shapeDtype,
  type Tensor,
  tf,
  useBackend,
} from '../src/index.js';
import { useFastWasmBatchMatMul } from '../src/backend/replacements/fast_batch_matmul.js';
import { forEachFlag } from './common/cli_flags.js';
import { installMemoryMeter, measurePeak } from './common/memory_meter.js';

interface Options {
  json: boolean;
  backend: BackendName;
  lengths: number[];
  reps: number;
  dModel: number;
  heads: number;
  dQk: number;
  chunk: number;
  hashes: number;
  limitMiB: number;
  stockMatMul: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    backend: 'wasm',
    lengths: [512, 1024, 2048, 4096, 8192, 16384],
    reps: 3,
    dModel: 64,
    heads: 2,
    dQk: 32,
    chunk: 64,
    hashes: 2,
    limitMiB: 1536,
    stockMatMul: false,
  };
  forEachFlag(argv, (a, value) => {
    if (a === '--json') o.json = true;
    else if (a === '--backend') o.backend = value.text() as BackendName;
    else if (a === '--lengths') o.lengths = value.text().split(',').map(Number);
    else if (a === '--reps') o.reps = value.positiveInt();
    else if (a === '--dmodel') o.dModel = value.positiveInt();
    else if (a === '--heads') o.heads = value.positiveInt();
    else if (a === '--dqk') o.dQk = value.positiveInt();
    else if (a === '--chunk') o.chunk = value.positiveInt();
    else if (a === '--hashes') o.hashes = value.positiveInt();
    else if (a === '--limit-mib') o.limitMiB = value.positiveInt();
    else if (a === '--stock-matmul') o.stockMatMul = true;
    else throw new Error(`unknown argument ${a}`);
  });
  return o;
}

/** One measured configuration. */
interface Measurement {
  ms: number | null;
  peakMiB: number | null;
  estimatedMiB: number;
  oom: boolean;
}

const MiB = 2 ** 20;

/** Times one forward + backward pass of `layer` on `[1, L, dModel]` and measures its peak memory. */
function measure(layer: Layer, length: number, o: Options): { ms: number; peakBytes: number } {
  layer.init(shapeDtype([1, length, o.dModel]), { seed: 1 });
  const names = flattenTree(layer.weights).map(([path]) => path);
  const weights = flattenTree(layer.weights).map(([, t]) => t);
  const x = normal(makeKey(2), [1, length, o.dModel]);
  const probe = normal(makeKey(3), [1, length, o.dModel]);
  const key = makeKey(4);
  const pass = (): void =>
    tf.tidy(() => {
      const grads = tf.grads((...xs: Tensor[]) => {
        const replaced = new Map(weights.map((w, i) => [w, xs[i + 1]!]));
        const tree = mapTree(layer.weights, (t) => replaced.get(t) ?? t);
        const y = layer.pureFn(xs[0]!, tree, {}, key)[0] as Tensor;
        return tf.sum(tf.mul(y, probe));
      })([x, ...weights]);
      if (grads.length !== names.length + 1) throw new Error('missing gradients');
      grads[0]!.dataSync(); // make sure the work is done (wasm runs synchronously anyway)
    });
  pass(); // warm-up
  const times: number[] = [];
  let peakBytes = 0;
  for (let r = 0; r < o.reps; r++) {
    const t0 = performance.now();
    const { baselineBytes, peakBytes: peak } = measurePeak(pass);
    times.push(performance.now() - t0);
    peakBytes = Math.max(peakBytes, peak - baselineBytes);
  }
  tf.dispose([x, probe]);
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, peakBytes };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await useBackend(o.backend);
  installMemoryMeter();
  if (o.stockMatMul) useFastWasmBatchMatMul(false);
  const log = (s: string): void => {
    if (!o.json) console.log(s);
  };
  const window = o.chunk * 2; // nChunksBefore: 1
  const scores = {
    full: (L: number) => o.heads * L * L,
    lsh: (L: number) => o.heads * o.hashes * Math.ceil(L / o.chunk) * o.chunk * window,
  };
  // Starting estimates (bytes per attention score, peak of one fwd+bwd); raised by what is measured.
  const bytesPerScore = { full: 16, lsh: 64 };
  const results: Array<{ length: number; full: Measurement; lsh: Measurement }> = [];
  log(
    `Full vs LSH self-attention, forward + backward, ${o.backend}; batch 1, dModel ${o.dModel}, ${o.heads} heads, dQk = dV = ${o.dQk}; ` +
      `LSH: chunk ${o.chunk}, ${o.hashes} hashes, 1 chunk before; median of ${o.reps} after a warm-up; limit ${o.limitMiB} MiB` +
      (o.stockMatMul ? '; STOCK wasm BatchMatMul' : ''),
  );
  const started = performance.now();
  for (const length of o.lengths) {
    const row = { length } as { length: number; full: Measurement; lsh: Measurement };
    for (const kind of ['full', 'lsh'] as const) {
      const estimated = (bytesPerScore[kind] * scores[kind](length)) / MiB;
      if (estimated > o.limitMiB) {
        row[kind] = { ms: null, peakMiB: null, estimatedMiB: estimated, oom: true };
        continue;
      }
      const layer =
        kind === 'full'
          ? SelfAttention({ nHeads: o.heads, dQk: o.dQk, dV: o.dQk })
          : LSHSelfAttention({ nHeads: o.heads, dQk: o.dQk, dV: o.dQk, chunkLen: o.chunk, nHashes: o.hashes, nChunksBefore: 1 });
      const { ms, peakBytes } = measure(layer, length, o);
      tf.dispose(flattenTree(layer.weights).map(([, t]) => t));
      bytesPerScore[kind] = Math.max(bytesPerScore[kind], peakBytes / scores[kind](length));
      row[kind] = { ms, peakMiB: peakBytes / MiB, estimatedMiB: estimated, oom: false };
    }
    results.push(row);
    const cell = (m: Measurement) =>
      m.oom ? `OOM (est. ${m.estimatedMiB.toFixed(0)} MiB)` : `${m.ms!.toFixed(0)} ms, ${m.peakMiB!.toFixed(1)} MiB`;
    log(`  L=${length}: full ${cell(row.full)}; LSH ${cell(row.lsh)}`);
  }

  // Crossover: the first length from which LSH is faster at every measured length (full OOM counts as LSH faster).
  const faster = results.map((r) => !r.lsh.oom && (r.full.oom || r.lsh.ms! < r.full.ms!));
  let crossover: number | null = null;
  for (let i = faster.length - 1; i >= 0 && faster[i]; i--) crossover = results[i]!.length;

  if (o.json) {
    console.log(
      JSON.stringify(
        {
          backend: o.backend,
          stockMatMul: o.stockMatMul,
          config: {
            batch: 1,
            dModel: o.dModel,
            nHeads: o.heads,
            dQk: o.dQk,
            dV: o.dQk,
            chunkLen: o.chunk,
            nHashes: o.hashes,
            nChunksBefore: 1,
            reps: o.reps,
            limitMiB: o.limitMiB,
          },
          results,
          crossoverLength: crossover,
          totalSeconds: (performance.now() - started) / 1000,
        },
        null,
        2,
      ),
    );
    return;
  }
  const pad = (s: string, n: number) => s.padStart(n);
  const fmt = (m: Measurement, what: 'ms' | 'peakMiB') => (m.oom ? 'OOM' : what === 'ms' ? m.ms!.toFixed(0) : m.peakMiB!.toFixed(1));
  const ratio = (a: Measurement, b: Measurement, what: 'ms' | 'peakMiB') => (a.oom || b.oom ? '-' : `${(a[what]! / b[what]!).toFixed(2)}x`);
  console.log('');
  console.log(
    `| ${['L', 'full ms', 'LSH ms', 'full/LSH time', 'full peak MiB', 'LSH peak MiB', 'full/LSH memory'].map((h, i) => pad(h, i === 0 ? 6 : 14)).join(' | ')} |`,
  );
  console.log(`|${[6, 14, 14, 14, 14, 14, 14].map((n) => '-'.repeat(n + 1) + ':').join('|')}|`);
  for (const r of results) {
    const cells = [
      String(r.length),
      fmt(r.full, 'ms'),
      fmt(r.lsh, 'ms'),
      ratio(r.full, r.lsh, 'ms'),
      fmt(r.full, 'peakMiB'),
      fmt(r.lsh, 'peakMiB'),
      ratio(r.full, r.lsh, 'peakMiB'),
    ];
    console.log(`| ${cells.map((c, i) => pad(c, i === 0 ? 6 : 14)).join(' | ')} |`);
  }
  console.log('');
  console.log(
    crossover === null
      ? 'LSH attention is not faster than full attention at the largest measured length.'
      : `Crossover: LSH attention is faster than full attention from L = ${crossover} on (of the lengths measured).`,
  );
  console.log(`OOM = not run: estimated peak above ${o.limitMiB} MiB. Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

await main();
