/**
 * `eval` and `predict` on every core: the tagger's batches on a `ner.NerTaggerPool` of `--workers` worker threads
 * (a job of one batch stays in this process), stopped by Ctrl-C: the first Ctrl-C (the CLI's stop signal, see
 * stop_signal.ts) stops the workers at once and the command ends with exit code 130, printing nothing.
 */
import { availableParallelism } from 'node:os';
import { ner, WorkerPoolClosedError } from '../../src/index.js';
import { installStopSignal, releaseStopSignal } from './stop_signal.js';

/** The default of `--workers`: the machine's cores. */
export const DEFAULT_INFERENCE_WORKERS = availableParallelism();

/** How often the stop signal is read (milliseconds). */
const STOP_POLL_MS = 100;

/**
 * Runs `job` on a tagger pool of at most `workers` workers over `tagger`; resolves with its result, or with
 * undefined when Ctrl-C stopped it (then the exit code is 130). The pool is closed at the end either way.
 */
export async function withTaggerPool<T>(
  tagger: ner.NerTagger,
  workers: number,
  job: (pool: ner.NerTaggerPool) => Promise<T>,
): Promise<T | undefined> {
  const stop = installStopSignal();
  const controller = new AbortController();
  const watch = setInterval(() => {
    if (stop.requested) controller.abort(new Error('Ctrl-C'));
  }, STOP_POLL_MS);
  watch.unref();
  const pool = new ner.NerTaggerPool(tagger, { workers, signal: controller.signal });
  try {
    return await job(pool);
  } catch (error) {
    if (!(error instanceof WorkerPoolClosedError) || !stop.requested) throw error;
    process.stderr.write('trax-ner: stopped (Ctrl-C)\n');
    process.exitCode = 130;
    return undefined;
  } finally {
    clearInterval(watch);
    await pool.close();
    releaseStopSignal();
  }
}
