/**
 * How much of a second (third, ...) core this machine gives right now: the same pure-JavaScript loop on 1 worker
 * thread, then on N at once; the ratio of their throughputs (N: every core free, 1: none). On a machine shared with
 * other work the worker rows of bench:ner can scale no better than this, so the benchmark prints it beside them.
 */
import { Worker } from 'node:worker_threads';

/** A loop of `iterations` integer additions on its own thread; resolves with its milliseconds. */
function spin(iterations: number): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    let x = 0;
    const t0 = performance.now();
    for (let i = 0; i < workerData; i++) x = (x + (i & 7)) | 0;
    parentPort.postMessage(performance.now() - t0 + (x & 0));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: iterations });
    worker.once('message', (ms: number) => {
      resolve(ms);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** N threads' throughput over 1 thread's, for the same loop (each thread runs it once). */
export async function parallelCapacity(threads: number, iterations = 3e8): Promise<number> {
  const timeOf = async (n: number): Promise<number> => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => spin(iterations)));
    return performance.now() - t0;
  };
  const one = await timeOf(1);
  const many = await timeOf(threads);
  return (threads * one) / many;
}
