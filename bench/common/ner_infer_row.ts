/**
 * An inference row of the NER benchmark with worker threads (bench/ner.ts runs it as its own process): a
 * `WorkerPool` of N workers (bench/common/ner_infer_worker.ts), each with the model on its own wasm backend, tags
 * the inference batches, spread over the workers as each becomes free. As in the one-process rows, one batch per
 * worker runs untimed first (warm-up), then every batch is timed. Prints one JSON line: infer_sentences_per_s,
 * workers, tag_checksum (the same for every worker count: the same weights, the same batches).
 *
 * Usage: node scripts/run.mjs --worker bench/common/ner_infer_worker.ts bench/common/ner_infer_row.ts <batches.json>
 *        <config.json> <workers>   (the worker bundled beside this program, as the library's are)
 */
import { readFileSync } from 'node:fs';
import { WorkerPool } from '../../src/index.js';
import type { InferReply, InferWorkerInit } from './ner_infer_worker.js';
import type { BenchFile } from './ner_bench_worker.js';

const [batchFile, configFile, workersArg] = process.argv.slice(2);
const workers = Number(workersArg);
if (!batchFile || !configFile || !Number.isInteger(workers) || workers < 1)
  throw new Error('usage: ner_infer_row.ts <batches.json> <config.json> <workers (an integer >= 1)>');
const batches = (JSON.parse(readFileSync(batchFile, 'utf8')) as BenchFile).infer_batches.length;

// The worker's bundle, beside this one (scripts/run.mjs --worker).
const pool = await WorkerPool.start<number, InferReply, InferWorkerInit>({
  module: new URL('./ner_infer_worker.js', import.meta.url),
  workers,
  init: { batchFile, configFile },
});
try {
  await pool.broadcast(0);
  const t0 = performance.now();
  // Longest batches first (they are sorted shortest first), so that no worker is left with a long one at the end.
  const replies = await pool.map(Array.from({ length: batches }, (_, i) => batches - 1 - i));
  const seconds = (performance.now() - t0) / 1000;
  const sentences = replies.reduce((n, r) => n + r.sentences, 0);
  console.log(
    JSON.stringify({
      infer_sentences_per_s: sentences / seconds,
      workers,
      tag_checksum: replies.reduce((s, r) => s + r.tagSum, 0),
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
} finally {
  await pool.close();
}
