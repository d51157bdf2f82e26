/**
 * Decoding speed: tokens/s of autoregressive generation with the predict-mode cache versus recomputing the
 * whole prefix for every token, at growing lengths, full versus LSH attention, on the wasm backend.
 *
 *   node scripts/run.mjs bench/decode.ts [--lengths 128,512,2048,8192] [--tokens 64] [--uncached-tokens 16,8,3,1]
 *        [--backend wasm|cpu] [--limit-mib 1536] [--json]
 *
 * Model: `ReformerLM({ vocabSize: 256, dModel: 128, dFf: 256, nLayers: 2, nHeads: 2, maxLen: 8192 })` with
 * `attentionType` 'full' or 'lsh' (chunkLen 64, one chunk before, 1 hash, the layer's default number of
 * buckets), dropout off, random weights (speed does not depend on what was learnt), batch 1.
 *
 * - Cached: a predict-mode model (the signature `[1, L]`); the cache is prefilled with `L - k` tokens (in pieces
 *   of 256, timed apart as "prefill"), then `k` new tokens are fed one at a time (`PredictRun.feed`, which
 *   includes the log-softmax and the copy of the log-probabilities to the host) and timed. One token before the
 *   timed ones, and a short decode before the first length, warm the kernels up.
 * - Uncached: the eval-mode model on the whole prefix `[1, L]` for each token, taking the last position's
 *   log-probabilities (what decoding costs without a cache); `--uncached-tokens` runs per length (fewer at the
 *   longer lengths), after one warm-up run at lengths up to 2048.
 *
 * Out-of-memory guard: on wasm, live tensors near 2 GiB corrupt silently; an uncached full-attention run whose
 * attention tensors alone (`(3 * nHeads + 1) * L^2 * 4` bytes: the scores, their exponentials and the
 * probabilities of each head, and the causal bias) would exceed `--limit-mib` is not run, and the table says so.
 */
import {
  type BackendName,
  disposeTree,
  type Layer,
  makeKey,
  type Mode,
  PredictRun,
  randomBits,
  ReformerLM,
  shapeDtype,
  type Tensor,
  tf,
  useBackend,
} from '../src/index.js';
import { forEachFlag } from './common/cli_flags.js';

type Attention = 'full' | 'lsh';

interface Options {
  lengths: number[];
  tokens: number;
  uncachedTokens: number[];
  backend: BackendName;
  limitMiB: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    lengths: [128, 512, 2048, 8192],
    tokens: 64,
    uncachedTokens: [16, 8, 3, 1],
    backend: 'wasm',
    limitMiB: 1536,
    json: false,
  };
  forEachFlag(argv, (a, value) => {
    if (a === '--lengths') o.lengths = value.text().split(',').map(Number);
    else if (a === '--tokens') o.tokens = value.positiveInt();
    else if (a === '--uncached-tokens') o.uncachedTokens = value.text().split(',').map(Number);
    else if (a === '--backend') o.backend = value.text() as BackendName;
    else if (a === '--limit-mib') o.limitMiB = value.positiveInt();
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}`);
  });
  if (o.lengths.some((L) => !Number.isInteger(L) || L < 2 || L > 8192)) throw new Error('--lengths must be integers in 2..8192');
  if (o.uncachedTokens.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--uncached-tokens must be positive integers');
  return o;
}

const VOCAB = 256;
const MAX_LEN = 8192;
const MiB = 2 ** 20;

function model(attentionType: Attention, mode: Mode): Layer {
  return ReformerLM({
    vocabSize: VOCAB,
    dModel: 128,
    dFf: 256,
    nLayers: 2,
    nHeads: 2,
    dropout: 0,
    attentionType,
    chunkLen: 64,
    nChunksBefore: 1,
    nHashes: 1,
    maxLen: MAX_LEN,
    mode,
  });
}

/** Random token ids (1..VOCAB-1), the same for every configuration. */
function tokens(n: number): number[] {
  return Array.from(randomBits(makeKey(9), n), (r) => 1 + (r % (VOCAB - 1)));
}

/** Cached decoding: seconds to prefill `L - k` tokens, and ms per token for `k` more. */
function cached(predict: Layer, L: number, k: number): { prefillS: number; msPerToken: number } {
  const ids = tokens(L);
  const run = new PredictRun(predict, 1, L, { prefillChunk: 256 });
  try {
    const t0 = performance.now();
    run.feed([ids.slice(0, L - k - 1)]);
    const prefillS = (performance.now() - t0) / 1000;
    run.feed([[ids[L - k - 1]!]]); // warm-up token
    const t1 = performance.now();
    for (let i = L - k; i < L; i++) run.feed([[ids[i]!]]);
    return { prefillS, msPerToken: (performance.now() - t1) / k };
  } finally {
    run.dispose();
  }
}

/** Uncached decoding: ms per token, each token running the whole prefix of length `L`. */
function uncached(full: Layer, L: number, k: number, warmUp: boolean): number {
  const ids = tf.tensor2d([tokens(L)], [1, L], 'int32');
  const once = (): void =>
    tf.tidy(() => {
      const out = full.pureFn(ids, full.weights, full.state, makeKey(0))[0] as Tensor;
      tf.logSoftmax(tf.slice(out, [0, L - 1, 0], [1, 1, VOCAB])).dataSync();
    });
  try {
    if (warmUp) once();
    const t0 = performance.now();
    for (let i = 0; i < k; i++) once();
    return (performance.now() - t0) / k;
  } finally {
    ids.dispose();
  }
}

interface Row {
  attention: Attention;
  length: number;
  cachedMs: number;
  prefillS: number;
  tokens: number;
  uncachedMs: number | null;
  uncachedTokens: number;
  skipped?: string;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await useBackend(o.backend);
  const log = (s: string): void => {
    if (!o.json) console.log(s);
  };
  const started = performance.now();
  log(
    `Decoding speed, ${o.backend}: ReformerLM (dModel 128, dFf 256, 2 layers, 2 heads, vocab ${VOCAB}), batch 1; LSH: chunk 64, 1 chunk before, 1 hash. ` +
      `Cached: ${o.tokens} tokens timed after prefilling L - ${o.tokens}; uncached: the whole prefix per token.`,
  );
  const rows: Row[] = [];
  for (const attention of ['full', 'lsh'] as const) {
    const full = model(attention, 'eval');
    full.init(shapeDtype([1, 128], 'int32'), { seed: 1 });
    // Warm-up (untimed): one short cached decode and one uncached run, so the first length pays no first-call costs.
    const warm = model(attention, 'predict');
    warm.init(shapeDtype([1, 64], 'int32'));
    disposeTree(warm.weights);
    warm.weights = full.weights;
    cached(warm, 64, 8);
    uncached(full, 64, 1, false);
    for (const [i, L] of o.lengths.entries()) {
      const predict = model(attention, 'predict');
      predict.init(shapeDtype([1, L], 'int32'));
      const own = predict.weights;
      predict.weights = full.weights;
      disposeTree(own);
      const k = Math.min(o.tokens, L - 2);
      const c = cached(predict, L, k);
      const ku = o.uncachedTokens[Math.min(i, o.uncachedTokens.length - 1)]!;
      const scoresMiB = ((3 * 2 + 1) * L * L * 4) / MiB;
      const row: Row = {
        attention,
        length: L,
        cachedMs: c.msPerToken,
        prefillS: c.prefillS,
        tokens: k,
        uncachedMs: null,
        uncachedTokens: ku,
      };
      if (attention === 'full' && scoresMiB > o.limitMiB) {
        row.skipped = `not run: its attention tensors alone need ~${scoresMiB.toFixed(0)} MiB, over the ${o.limitMiB} MiB wasm limit`;
      } else {
        row.uncachedMs = uncached(full, L, ku, L <= 2048);
      }
      rows.push(row);
      log(
        `  ${attention} L=${L}: cached ${c.msPerToken.toFixed(1)} ms/token (prefill ${c.prefillS.toFixed(1)} s); ` +
          `uncached ${row.uncachedMs === null ? row.skipped : `${row.uncachedMs.toFixed(1)} ms/token`} [${((performance.now() - started) / 1000).toFixed(0)} s]`,
      );
    }
    disposeTree(full.weights);
  }
  const totalS = (performance.now() - started) / 1000;
  if (o.json) {
    console.log(JSON.stringify({ backend: o.backend, rows, totalSeconds: totalS }, null, 2));
    return;
  }
  const perS = (ms: number): string => (1000 / ms).toFixed(ms < 10 ? 0 : 1);
  const header = [
    'attention',
    'L',
    'cached ms/token',
    'cached tokens/s',
    'prefill s',
    'uncached ms/token',
    'uncached tokens/s',
    'cached speed-up',
  ];
  console.log('');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((h, i) => (i < 1 ? '-'.repeat(h.length + 2) : '-'.repeat(h.length + 1) + ':')).join('|')}|`);
  for (const r of rows) {
    const u = r.uncachedMs;
    const cells = [
      r.attention,
      String(r.length),
      r.cachedMs.toFixed(1),
      perS(r.cachedMs),
      r.prefillS.toFixed(1),
      u === null ? 'not run*' : u.toFixed(1),
      u === null ? '-' : perS(u),
      u === null ? '-' : `${(u / r.cachedMs).toFixed(1)}x`,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  for (const r of rows) if (r.skipped) console.log(`\n* ${r.attention} L=${r.length} uncached: ${r.skipped}.`);
  console.log('');
  console.log('Per-token time growth from one length to the next (the lengths grow 4x: linear growth is 4x, quadratic 16x):');
  for (const attention of ['full', 'lsh'] as const) {
    const mine = rows.filter((r) => r.attention === attention);
    const steps = mine.slice(1).map((r, i) => {
      const p = mine[i]!;
      const uncachedGrowth = r.uncachedMs !== null && p.uncachedMs !== null ? `${(r.uncachedMs / p.uncachedMs).toFixed(1)}x` : 'n/a';
      return `${p.length}->${r.length}: cached ${(r.cachedMs / p.cachedMs).toFixed(1)}x, uncached ${uncachedGrowth}`;
    });
    console.log(`  ${attention}: ${steps.join('; ')}`);
  }
  console.log(
    `\nTimed tokens: cached ${o.tokens} per length; uncached ${o.uncachedTokens.join('/')} at the lengths in order. Total ${totalS.toFixed(0)} s.`,
  );
}

await main();
