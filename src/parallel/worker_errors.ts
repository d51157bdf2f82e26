/**
 * The errors of a {@link WorkerPool}: a worker's own error (thrown by its handler, or the error it died of), and
 * the pool being closed under pending work.
 */
import type { SerializedError } from './worker_protocol.js';

/**
 * An error from one worker of a pool: its handler threw (the request fails, the worker goes on), its init failed,
 * or the worker died (an uncaught error, `process.exit`, out of memory: the pool fails, and every pending and later
 * request of the pool fails with this same error).
 * `message` is the worker's own message, `name` its error's name, `stack` the stack of the worker's thread (where it
 * was thrown) followed by the worker's place in the pool.
 * @public
 */
export class WorkerError extends Error {
  /** The worker's index in the pool (from 0). */
  readonly workerIndex: number;
  /** The name of the error the worker threw (`TypeError`, `RangeError`, ...), or `WorkerExit` for an exit. */
  readonly workerErrorName: string;
  /** Whether the worker died of it (the pool then fails), rather than failing one request. */
  readonly fatal: boolean;

  constructor(
    error: SerializedError,
    where: { readonly workerIndex: number; readonly workers: number; readonly module: string; readonly fatal: boolean },
  ) {
    super(error.message);
    this.name = error.name;
    this.workerIndex = where.workerIndex;
    this.workerErrorName = error.name;
    this.fatal = where.fatal;
    const place = `    in worker ${where.workerIndex + 1} of ${where.workers} (${where.module})${where.fatal ? ', which died of it' : ''}`;
    this.stack = `${error.stack ?? `${error.name}: ${error.message}`}\n${place}`;
  }
}

/**
 * A request that did not run to its end because the pool was closed (`close()`) or stopped (its `signal` aborted,
 * as on Ctrl-C; `cause` is the signal's reason), or a request made after that.
 * @public
 */
export class WorkerPoolClosedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerPoolClosedError';
  }
}
