/**
 * Peak memory of one training step of a Reformer encoder, reversible backward versus the same model (same layers
 * and weights) with tfjs's ordinary backward pass, at several depths, on the wasm backend.
 *
 *   node scripts/run.mjs bench/memory.ts [--json] [--backend wasm|cpu] [--depths 2,4,8,16] [--no-large]
 *        [--batch 8] [--len 128] [--dmodel 128] [--dff 256] [--heads 2] [--attention chunked|full] [--chunk 32]
 *        [--only reversible|ordinary]
 *
 * Two sizes: the comparison (default batch 8 x 128 tokens, d_model 128), small enough that the ordinary backward
 * at depth 16 fits in the wasm heap (about 1 GiB), yet with activations far above the weights (8 MiB at depth 16);
 * then, unless `--no-large`, the reversible model alone at batch 8 x 512 tokens, d_model 256 (where the ordinary
 * backward would need several GiB). About a minute on one core.
 *
 * A step is the forward pass, a scalar loss and the gradients of every weight (`tf.grads`), inside `tf.tidy`.
 * Peak = the high-water mark of live tensor data during the step, each data buffer counted once, sampled whenever
 * a new buffer appears (see `bench/common/memory_meter.ts`); it includes the weights, the inputs and the gradients. "Above weights" is the
 * peak minus the weights and inputs present before the step (activations, temporaries and the gradients made).
 * Dropout is on (mode `train`), attention is chunked (local) by default so that attention scores stay modest.
 */
import { type BackendName, makeKey, normal, ReformerEncoder, shapeDtype, type Tensor, tf, treeLeaves, useBackend } from '../src/index.js';
import { forEachFlag } from './common/cli_flags.js';
import { installMemoryMeter, measurePeak } from './common/memory_meter.js';

interface Options {
  json: boolean;
  backend: BackendName;
  depths: number[];
  batch: number;
  len: number;
  dModel: number;
  dFf: number;
  heads: number;
  attention: 'chunked' | 'full';
  chunk: number;
  only?: 'reversible' | 'ordinary';
  /** Also measure the reversible model alone at the larger size {@link LARGE}. */
  large: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    backend: 'wasm',
    depths: [2, 4, 8, 16],
    batch: 8,
    len: 128,
    dModel: 128,
    dFf: 256,
    heads: 2,
    attention: 'chunked',
    chunk: 32,
    large: true,
  };
  forEachFlag(argv, (a, value) => {
    if (a === '--json') o.json = true;
    else if (a === '--backend') o.backend = value.text() as BackendName;
    else if (a === '--depths') o.depths = value.text().split(',').map(Number);
    else if (a === '--batch') o.batch = Number(value.text());
    else if (a === '--len') o.len = Number(value.text());
    else if (a === '--dmodel') o.dModel = Number(value.text());
    else if (a === '--dff') o.dFf = Number(value.text());
    else if (a === '--heads') o.heads = Number(value.text());
    else if (a === '--attention') o.attention = value.text() as 'chunked' | 'full';
    else if (a === '--chunk') o.chunk = Number(value.text());
    else if (a === '--only') o.only = value.text() as 'reversible' | 'ordinary';
    else if (a === '--no-large') o.large = false;
    else throw new Error(`unknown argument ${a}`);
  });
  return o;
}

interface Row {
  depth: number;
  reversible: boolean;
  weightBytes: number;
  baselineBytes: number;
  peakBytes: number;
  aboveBaselineBytes: number;
  stepSeconds: number;
}

/** Live tensor bytes above which the wasm heap is no longer trustworthy (TFJS-NOTES: aliasing near 2 GiB). */
const WASM_LIMIT = 1.4 * 2 ** 30;

function measure(o: Options, depth: number, reversible: boolean): Row {
  const encoder = ReformerEncoder({
    dModel: o.dModel,
    dFf: o.dFf,
    nLayers: depth,
    nHeads: o.heads,
    attentionType: o.attention,
    chunkLen: o.chunk,
    dropout: 0.1,
    maxLen: o.len,
    reversible,
  });
  encoder.init([shapeDtype([o.batch, o.len, o.dModel]), shapeDtype([o.batch, o.len], 'int32')], { seed: 1 });
  const leaves = treeLeaves(encoder.weights);
  const weightBytes = leaves.reduce((n, t) => n + t.size * 4, 0);
  const x = normal(makeKey(2), [o.batch, o.len, o.dModel]);
  // Token ids with some padding at the end of each sequence (the mask comes from them).
  const ids = tf.tidy(() => tf.cast(tf.less(tf.range(0, o.len).expandDims(0).tile([o.batch, 1]), o.len - 16), 'int32'));
  const probe = normal(makeKey(3), [o.batch, o.len, o.dModel]);
  const step = (): void => {
    const grads = tf.tidy(() =>
      tf.grads(() => {
        const [y] = encoder.pureFn([x, ids], encoder.weights, encoder.state, makeKey(7));
        return tf.mean(tf.mul(y as Tensor, probe));
      })(leaves),
    );
    tf.dispose(grads);
  };
  const t0 = performance.now();
  const m = measurePeak(step);
  const stepSeconds = (performance.now() - t0) / 1000;
  tf.dispose([x, ids, probe, ...leaves]);
  if (o.backend === 'wasm' && m.peakBytes > WASM_LIMIT) {
    throw new Error(
      `depth ${depth}: ${(m.peakBytes / 2 ** 20).toFixed(0)} MiB of live tensors is beyond what the wasm heap holds reliably; use a smaller size`,
    );
  }
  return {
    depth,
    reversible,
    weightBytes,
    baselineBytes: m.baselineBytes,
    peakBytes: m.peakBytes,
    aboveBaselineBytes: m.peakBytes - m.baselineBytes,
    stepSeconds,
  };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** The brief's size, where the ordinary backward would not fit in wasm's heap at depth 16: reversible only. */
const LARGE: Partial<Options> = { batch: 8, len: 512, dModel: 256, dFf: 1024, heads: 4, chunk: 64, only: 'reversible' };

interface Section {
  title: string;
  config: Omit<Options, 'json' | 'large'>;
  rows: Row[];
  summary: Array<{ reversible: boolean; peakGrowth: number; aboveBaselineGrowth: number; fromDepth: number; toDepth: number }>;
}

function runSection(o: Options, log: boolean): Section {
  const rows: Row[] = [];
  for (const reversible of o.only === 'reversible' ? [true] : o.only === 'ordinary' ? [false] : [true, false]) {
    for (const depth of o.depths) {
      const r = measure(o, depth, reversible);
      rows.push(r);
      if (log)
        process.stderr.write(
          `  depth ${depth} ${reversible ? 'reversible' : 'ordinary'}: peak ${mib(r.peakBytes)} MiB, ${r.stepSeconds.toFixed(1)} s\n`,
        );
    }
  }
  const kinds = [...new Set(rows.map((r) => r.reversible))];
  const summary = kinds.map((rev) => {
    const mine = rows.filter((r) => r.reversible === rev);
    const base = mine[0]!;
    const last = mine[mine.length - 1]!;
    return {
      reversible: rev,
      peakGrowth: last.peakBytes / base.peakBytes,
      aboveBaselineGrowth: last.aboveBaselineBytes / base.aboveBaselineBytes,
      fromDepth: base.depth,
      toDepth: last.depth,
    };
  });
  const tokens = o.batch * o.len;
  const title =
    `ReformerEncoder on ${o.backend}: batch ${o.batch} x ${o.len} tokens (${tokens}), d_model ${o.dModel}, d_ff ${o.dFf}, ` +
    `${o.heads} heads, ${o.attention} attention${o.attention === 'chunked' ? ` (chunk ${o.chunk})` : ''}, dropout 0.1`;
  const { json: _json, large: _large, ...config } = o;
  return { title, config, rows, summary };
}

function printSection(section: Section): void {
  console.log(section.title);
  console.log('');
  const d0 = section.rows[0]!.depth;
  const header = ['depth', 'backward', 'weights MiB', 'peak MiB', `x depth ${d0}`, 'above weights MiB', `x depth ${d0}`, 'step s'];
  const lines = section.rows.map((r) => {
    const base = section.rows.find((b) => b.reversible === r.reversible)!;
    return [
      String(r.depth),
      r.reversible ? 'reversible' : 'ordinary',
      mib(r.weightBytes),
      mib(r.peakBytes),
      (r.peakBytes / base.peakBytes).toFixed(2),
      mib(r.aboveBaselineBytes),
      (r.aboveBaselineBytes / base.aboveBaselineBytes).toFixed(2),
      r.stepSeconds.toFixed(1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
  console.log('');
  for (const s of section.summary) {
    console.log(
      `${s.reversible ? 'reversible' : 'ordinary  '}: peak grows ${s.peakGrowth.toFixed(2)}x from depth ${s.fromDepth} to ${s.toDepth} ` +
        `(above weights and inputs: ${s.aboveBaselineGrowth.toFixed(2)}x)`,
    );
  }
  console.log('');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await useBackend(o.backend);
  installMemoryMeter();
  measure({ ...o, batch: 1 }, o.depths[0]!, true); // warm-up: first-use costs of the kernels, not measured
  const sections = [runSection(o, !o.json)];
  if (o.large) sections.push(runSection({ ...o, ...LARGE }, !o.json));
  if (o.json) {
    process.stdout.write(JSON.stringify({ backend: o.backend, sections }, null, 2) + '\n');
    return;
  }
  console.log('Peak tensor memory of one training step (forward, loss, gradients of all weights); see bench/memory.ts.');
  console.log('');
  sections.forEach(printSection);
  if (o.large) {
    console.log(
      "The second size is the reversible model alone: with the ordinary backward it would keep every layer's activations, " +
        'several GiB at depth 16, beyond what the wasm heap holds.',
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
