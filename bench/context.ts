/**
 * The document-context tagger's training cost by window size: training tokens/s and peak tensor memory of the NER
 * recipe's model at `--context-tokens` 0 / 256 / 1024 / 4096 with full, local and LSH attention, reversible blocks
 * on and off, on wasm, in one run, with ratios against full attention, not reversible, at the same length.
 *
 *   node scripts/run.mjs bench/context.ts [--quick] [--json] [--lengths 0,256,1024,4096] [--attentions full,local,lsh]
 *        [--steps 3] [--warmup 1] [--batch-tokens 4096] [--limit-mib 1400] [--sentences 4000]
 *        [--document-sentences 400] [--no-bilstm]
 *
 * The model is the recipe's (`DEFAULT_RECIPE.model`: word, word-shape and character-CNN features, a BiLSTM, a
 * 2-block Reformer encoder of width 128, CRF, dropout 0.1) with `contextTokens` N and `maxLen` max(128, N), its
 * attention and reversibility set per row (local: radius 8; LSH: chunks of 32, one hash round), trained as the
 * recipe trains it (Adam, gradient clipping at 1, Polyak averaging 0.999). `--no-bilstm` leaves the BiLSTM out.
 * `--quick` is a short version on tiny sizes (lengths 0 and 128, a 1-block width-32 model, batches of 512
 * positions, one warm-up and one timed step): it checks that the benchmark runs, not what it measures.
 *
 * Data: the first `--sentences` sentences of the shipped GMB corpus, vocabularies from them. GMB's own documents
 * (runs of 10 CSV sentences, about 220 tokens) cannot fill a window above about 220 tokens, so here a document is
 * a run of `--document-sentences` consecutive sentences (400: about 8,800 tokens), and every window of N tokens is
 * full. Each context length builds its windows as the recipe does (`contextWindow`, `windowTokens`,
 * `encodeWindowExample`: loss weight 1 on the target sentence, 0 on its context) and batches them with the
 * recipe's `nerBatches` (seed 1, word dropout 0.05) at `--batch-tokens` token positions per batch: 4096 positions
 * is one window of 4,096 tokens, four of 1,024, sixteen of 256, or about 170 sentences without context. Every row
 * of a length trains on the same batches.
 *
 * Each row runs in its own process (bench/common/context_bench_worker.ts): `--warmup` untimed steps, then
 * `--steps` timed ones under the memory meter (bench/common/memory_meter.ts). Window tokens/s counts every real
 * token of the windows (target and context, not padding); target tokens/s only the target sentences' tokens, the
 * ones the loss trains on (equal without context). Peak = the most live tensor bytes during the timed steps, each
 * buffer once, including the weights and optimizer slots; "above start" subtracts what was live before them.
 * A row whose live tensors would pass `--limit-mib` (default 1,400 MiB: the wasm heap corrupts data silently
 * near 2 GiB, ../shared/TFJS-NOTES.md) is stopped by the meter at that point and printed as "out of memory", as is
 * a row whose wasm heap or host memory runs out; the run goes on with the next row.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type data, ner } from '../src/index.js';
import { DEFAULT_CORPUS } from '../recipes/ner/default_corpus.js';
import { DEFAULT_RECIPE } from '../recipes/ner/options.js';
import { forEachFlag } from './common/cli_flags.js';
import type { ContextBenchBatch, ContextBenchFile, ContextBenchResult, ContextBenchRow } from './common/context_bench_worker.js';

type Attention = 'full' | 'local' | 'lsh';

interface Options {
  json: boolean;
  quick: boolean;
  lengths: number[];
  attentions: Attention[];
  steps: number;
  warmup: number;
  batchTokens: number;
  limitMiB: number;
  sentences: number;
  documentSentences: number;
  bilstm: boolean;
}

const FULL: Omit<Options, 'json' | 'quick' | 'bilstm'> = {
  lengths: [0, 256, 1024, 4096],
  attentions: ['full', 'local', 'lsh'],
  steps: 3,
  warmup: 1,
  batchTokens: 4096,
  limitMiB: 1400,
  sentences: 4000,
  documentSentences: 400,
};

const QUICK: typeof FULL = {
  lengths: [0, 128],
  attentions: ['full', 'local', 'lsh'],
  steps: 1,
  warmup: 1,
  batchTokens: 512,
  limitMiB: 1400,
  sentences: 600,
  documentSentences: 50,
};

/** The quick version's model: every part of the recipe's, tiny. */
const QUICK_MODEL: Partial<ner.NerModelConfig> = {
  nLayers: 1,
  dModel: 32,
  dFf: 64,
  nHeads: 2,
  dChar: 8,
  charFilters: 16,
  maxWordLength: 8,
};

function parseArgs(argv: string[]): Options {
  const given: Partial<Options> = {};
  let quick = false;
  let json = false;
  let bilstm = true;
  const list = (text: string, what: string): number[] =>
    text.split(',').map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a comma-separated list of integers >= 0, got '${text}'`);
      return n;
    });
  forEachFlag(argv, (a, value) => {
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else if (a === '--no-bilstm') bilstm = false;
    else if (a === '--lengths') given.lengths = list(value.text(), '--lengths');
    else if (a === '--attentions') {
      const text = value.text();
      given.attentions = text.split(',').map((t) => {
        if (t !== 'full' && t !== 'local' && t !== 'lsh') throw new Error(`--attentions takes full, local and lsh, got '${t}'`);
        return t;
      });
    } else if (a === '--steps') given.steps = value.positiveInt();
    else if (a === '--warmup') given.warmup = Number(value.text());
    else if (a === '--batch-tokens') given.batchTokens = value.positiveInt();
    else if (a === '--limit-mib') {
      const v = Number(value.text());
      if (!(v > 0)) throw new Error(`--limit-mib needs a positive number, got '${v}'`);
      given.limitMiB = v;
    } else if (a === '--sentences') given.sentences = value.positiveInt();
    else if (a === '--document-sentences') given.documentSentences = value.positiveInt();
    else throw new Error(`unknown argument ${a}`);
  });
  const o = { ...(quick ? QUICK : FULL), ...given, json, quick, bilstm };
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new Error(`--warmup needs an integer >= 0, got ${o.warmup}`);
  return o;
}

/** The recipe's model (or the quick one) at a context length, with a row's attention and reversibility. */
function rowConfig(o: Options, contextTokens: number, attention: Attention, reversible: boolean): ner.NerModelConfig {
  const base = ner.resolveNerModelConfig({ ...DEFAULT_RECIPE.model, ...(o.quick ? QUICK_MODEL : {}), bilstm: o.bilstm });
  return ner.resolveNerModelConfig({
    ...base,
    contextTokens,
    maxLen: Math.max(base.maxLen, contextTokens),
    attention,
    reversible,
  });
}

/** Runs of `n` consecutive sentences, as the benchmark's documents. */
function documentsOf(sentences: readonly ner.Sentence[], n: number): ner.Sentence[][] {
  const docs: ner.Sentence[][] = [];
  for (let i = 0; i < sentences.length; i += n) docs.push(sentences.slice(i, i + n));
  return docs;
}

/**
 * The training examples of `count` target sentences (taken in corpus order from the documents) at `contextTokens`:
 * the sentence alone at 0, else its window, as the recipe encodes them.
 */
function examplesAt(docs: readonly ner.Sentence[][], vocabs: ner.NerVocabs, config: ner.NerModelConfig, count: number): data.Example[] {
  const out: data.Example[] = [];
  for (const doc of docs) {
    const sentences = doc.filter((s) => s.words.length > 0);
    if (config.contextTokens === 0) {
      for (const s of sentences) if (out.length < count) out.push(ner.encodeExample(s, vocabs, config));
    } else {
      const words = sentences.map((s) => s.words);
      const tags = sentences.map((s) => s.tags);
      const lengths = words.map((w) => w.length);
      for (let i = 0; i < sentences.length && out.length < count; i++) {
        const w = ner.contextWindow(lengths, i, config.contextTokens);
        out.push(
          ner.encodeWindowExample(
            { words: ner.windowTokens(words, w), tags: ner.windowTokens(tags, w), targetStart: w.targetStart, targetEnd: w.targetEnd },
            vocabs,
            config,
          ),
        );
      }
    }
    if (out.length >= count) break;
  }
  return out;
}

/** The first `n` batches of the recipe's pipeline over `examples`, flat. */
async function batchesOf(examples: data.Example[], o: Options, maxLen: number, n: number): Promise<ContextBenchBatch[]> {
  const out: ContextBenchBatch[] = [];
  const stream = ner.nerBatches(examples, { seed: 1, batchTokens: o.batchTokens, maxLength: maxLen, unkRate: DEFAULT_RECIPE.unkRate })();
  for await (const batch of stream) {
    const [features, tags, weights] = batch as data.Example;
    out.push({
      shape: features!.shape as [number, number, number],
      features: Array.from(features!.data as Int32Array),
      tags: Array.from(tags!.data as Int32Array),
      weights: Array.from(weights!.data as Float32Array),
    });
    if (out.length === n) break;
  }
  return out;
}

interface Row {
  contextTokens: number;
  attention: Attention;
  reversible: boolean;
  /** Windows per batch and their length (the first timed batch's shape). */
  batchShape: [number, number];
  result: ContextBenchResult;
  /** Set when the row's process failed for another reason than memory. */
  failed?: string;
  seconds: number;
}

const MiB = 2 ** 20;

function runRow(
  o: Options,
  dir: string,
  batchFile: string,
  row: Omit<Row, 'result' | 'seconds' | 'failed'>,
  log: (s: string) => void,
): Row {
  const config = rowConfig(o, row.contextTokens, row.attention, row.reversible);
  const rowFile = path.join(dir, `context_row_${row.contextTokens}_${row.attention}_${row.reversible ? 'rev' : 'plain'}.json`);
  const spec: ContextBenchRow = {
    config,
    warmupSteps: o.warmup,
    averageDecay: DEFAULT_RECIPE.averageDecay,
    clipGradNorm: DEFAULT_RECIPE.clipGradNorm,
    limitBytes: o.limitMiB * MiB,
  };
  writeFileSync(rowFile, JSON.stringify(spec));
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ['scripts/run.mjs', 'bench/common/context_bench_worker.ts', batchFile, rowFile], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  const line = p.stdout
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  let out: Row;
  if (line) {
    out = { ...row, result: JSON.parse(line) as ContextBenchResult, seconds };
  } else {
    const why = (p.stderr || p.error?.message || 'no output').trim().split('\n').slice(-3).join(' | ');
    // A process killed by the system (SIGKILL) or by a wasm abort ran out of memory; anything else is a failure.
    const memory = p.signal === 'SIGKILL' || /out of memory|OOM|Memory\.grow|allocation failed|could not allocate/i.test(why);
    out = memory
      ? { ...row, result: { out_of_memory: `the process ended (${p.signal ?? `exit ${p.status}`}): ${why}` }, seconds }
      : { ...row, result: {}, failed: `exit ${p.status}${p.signal ? ` (${p.signal})` : ''}: ${why}`, seconds };
  }
  const r = out.result;
  log(
    `  ${label(out)}: ${
      out.failed
        ? `FAILED ${out.failed}`
        : r.out_of_memory
          ? `out of memory (${r.out_of_memory})`
          : `${r.window_tokens_per_s!.toFixed(0)} tokens/s, peak ${(r.peak_tensor_bytes! / MiB).toFixed(0)} MiB`
    } [${seconds.toFixed(0)} s]`,
  );
  return out;
}

function label(r: Pick<Row, 'contextTokens' | 'attention' | 'reversible'>): string {
  return `context ${r.contextTokens}, ${r.attention}${r.reversible ? ', reversible' : ''}`;
}

function isBaseline(r: Pick<Row, 'attention' | 'reversible'>): boolean {
  return r.attention === 'full' && !r.reversible;
}

function fits(r: Row): boolean {
  return r.failed === undefined && r.result.out_of_memory === undefined;
}

function printTable(rows: Row[]): void {
  const header = [
    'context',
    'attention',
    'reversible',
    'batch',
    'window tokens/s',
    'target tokens/s',
    'x baseline',
    'peak MiB',
    'x baseline',
    'above start MiB',
    'step s',
  ];
  const lines = rows.map((r) => {
    const base = rows.find((b) => b.contextTokens === r.contextTokens && isBaseline(b));
    const baseFits = base !== undefined && fits(base);
    const m = r.result;
    const head = [String(r.contextTokens), r.attention, r.reversible ? 'yes' : 'no', `${r.batchShape[0]} x ${r.batchShape[1]}`];
    if (!fits(r))
      return [...head, r.failed ? `failed: ${r.failed.replace(/\|/g, '/').slice(0, 60)}` : 'out of memory', '', '', '', '', '', ''];
    return [
      ...head,
      m.window_tokens_per_s!.toFixed(0),
      m.target_tokens_per_s!.toFixed(0),
      baseFits ? `${(m.window_tokens_per_s! / base.result.window_tokens_per_s!).toFixed(2)}x` : '-',
      (m.peak_tensor_bytes! / MiB).toFixed(1),
      baseFits ? `${(m.peak_tensor_bytes! / base.result.peak_tensor_bytes!).toFixed(2)}x` : '-',
      ((m.peak_tensor_bytes! - m.baseline_tensor_bytes!) / MiB).toFixed(1),
      m.step_seconds!.toFixed(2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const left = 3;
  const fmt = (cells: string[]): string =>
    '| ' + cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w, i) => (i < left ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
}

/** One line per comparison the table supports: reversible against not, LSH and local against full, at each length. */
function summaryLines(rows: Row[]): string[] {
  const out: string[] = [];
  const at = (n: number, attention: Attention, reversible: boolean): Row | undefined =>
    rows.find((r) => r.contextTokens === n && r.attention === attention && r.reversible === reversible);
  for (const n of [...new Set(rows.map((r) => r.contextTokens))]) {
    const parts: string[] = [];
    for (const attention of ['full', 'local', 'lsh'] as const) {
      const [plain, rev] = [at(n, attention, false), at(n, attention, true)];
      if (plain && rev && fits(plain) && fits(rev))
        parts.push(`${attention}: reversible peak ${(rev.result.peak_tensor_bytes! / plain.result.peak_tensor_bytes!).toFixed(2)}x`);
      else if (plain && rev && !fits(plain) && fits(rev)) parts.push(`${attention}: fits only reversible`);
    }
    const oom = rows
      .filter((r) => r.contextTokens === n && !fits(r) && !r.failed)
      .map((r) => `${r.attention}${r.reversible ? ' rev' : ''}`);
    if (oom.length > 0) parts.push(`out of memory: ${oom.join(', ')}`);
    out.push(`context ${n}: ${parts.join('; ')}`);
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string): void => {
    if (!o.json) console.error(s);
  };
  const started = performance.now();
  const sentences = (await ner.readNerCorpus(DEFAULT_CORPUS, { limit: o.sentences })).filter((s) => s.words.length > 0);
  const vocabs = ner.buildNerVocabs(sentences, sentences);
  const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  const docs = documentsOf(sentences, o.documentSentences);
  const dir = path.resolve('build/bench');
  mkdirSync(dir, { recursive: true });
  const model = rowConfig(o, 0, 'local', false);
  log(
    `Context benchmark on wasm: ${sentences.length} GMB sentences in documents of ${o.documentSentences}, vocabulary ${vocabs.words.size} words; ` +
      `the recipe's tagger (${model.bilstm ? 'BiLSTM + ' : ''}${model.nLayers} Reformer blocks, dModel ${model.dModel}), batches of ${o.batchTokens} positions, ` +
      `${o.warmup} warm-up + ${o.steps} timed steps per row, limit ${o.limitMiB} MiB`,
  );
  const rows: Row[] = [];
  for (const n of o.lengths) {
    const config = rowConfig(o, n, 'full', false);
    const perBatch = n === 0 ? o.batchTokens : Math.max(1, Math.floor(o.batchTokens / n));
    const examples = examplesAt(docs, vocabs, config, perBatch * (o.warmup + o.steps));
    const batches = await batchesOf(examples, o, config.maxLen, o.warmup + o.steps);
    const batchFile = path.join(dir, `context_batches_${n}.json`);
    writeFileSync(batchFile, JSON.stringify({ contextTokens: n, sizes, batches } satisfies ContextBenchFile));
    const shape = (batches[o.warmup] ?? batches[0]!).shape;
    for (const attention of o.attentions) {
      for (const reversible of [false, true]) {
        rows.push(runRow(o, dir, batchFile, { contextTokens: n, attention, reversible, batchShape: [shape[0], shape[1]] }, log));
      }
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;
  if (o.json) {
    const { json: _json, ...options } = o;
    console.log(JSON.stringify({ backend: 'wasm', options, model, rows, summary: summaryLines(rows), totalSeconds }, null, 1));
    return;
  }
  console.log('');
  printTable(rows);
  console.log('');
  for (const line of summaryLines(rows)) console.log(line);
  console.log('');
  console.log(
    'x baseline: against full attention, not reversible, at the same context length (- when that row does not fit). ' +
      `Out of memory: live tensors would pass ${o.limitMiB} MiB, or the heap ran out. Total ${totalSeconds.toFixed(0)} s.`,
  );
}

await main();
