/**
 * The worker's side of a {@link WorkerPool}: a module started by the pool calls `serveWorker` once, at its top
 * level, with its handler. The handler's `init` runs first, on the pool's init value (a long-lived worker keeps what
 * it returns: a model, its weights, views of shared memory); then `handle` answers the requests, one at a time, in
 * the order they arrive, with that state.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { serializeError, Transfer, type RequestMessage, type WorkerReply, type WorkerStartData } from './worker_protocol.js';

/** A worker's place in its pool. @public */
export interface WorkerInfo {
  /** This worker's index (from 0). */
  readonly index: number;
  /** The number of workers in the pool. */
  readonly count: number;
}

/**
 * What a worker module does: `init` (optional) once, `handle` for each request. Either may be async; what `handle`
 * returns (or a {@link Transfer} of it) is the request's result; what either throws fails the request (init: the
 * pool's start) with a {@link WorkerError} carrying the message and this thread's stack.
 * @public
 */
export interface WorkerHandler<Init, Request, Result, State> {
  /** Runs once, before any request, on the pool's init value; what it returns is the worker's state. */
  init?(init: Init, worker: WorkerInfo): State | Promise<State>;
  /** Answers one request, with the worker's state (which it may change in place). */
  handle(request: Request, state: State, worker: WorkerInfo): Result | Transfer<Result> | Promise<Result | Transfer<Result>>;
}

/**
 * Serves a {@link WorkerPool} from this worker thread with `handler` (call it once, at the module's top level).
 * Throws when the module was not started by a pool.
 *
 * @example
 * ```ts
 * // square_worker.ts, started by `WorkerPool.start({ module: new URL('./square_worker.js', import.meta.url), workers: 2 })`
 * serveWorker<void, number, number, void>({ handle: (x) => x * x });
 * ```
 * @public
 */
export function serveWorker<Init, Request, Result, State = undefined>(handler: WorkerHandler<Init, Request, Result, State>): void {
  const start = (workerData as Partial<WorkerStartData<Init>> | null)?.traxWorkerPool;
  if (isMainThread || !parentPort || !start)
    throw new Error('serveWorker: this module was not started by a WorkerPool (no pool data in workerData)');
  const port = parentPort;
  const info: WorkerInfo = { index: start.index, count: start.count };
  const post = (reply: WorkerReply<Result>, transfer: readonly Transfer<Result>['transfer'][number][] = []): void =>
    port.postMessage(reply, [...transfer]);
  let state: State;
  let initFailed = false;
  // Requests wait for the init, then run one after another. (The pool sends none to a worker whose init failed.)
  let queue: Promise<void> = (async () => {
    state = handler.init ? await handler.init(start.init, info) : (undefined as State);
  })().then(
    () => post({ kind: 'ready' }),
    (error: unknown) => {
      initFailed = true;
      post({ kind: 'failed', id: null, error: serializeError(error) });
    },
  );
  const answer = async (message: RequestMessage<Request>): Promise<void> => {
    if (initFailed) return;
    try {
      const out = await handler.handle(message.request, state, info);
      if (out instanceof Transfer) post({ kind: 'result', id: message.id, value: out.value }, out.transfer);
      else post({ kind: 'result', id: message.id, value: out });
    } catch (error) {
      post({ kind: 'failed', id: message.id, error: serializeError(error) });
    }
  };
  port.on('message', (message: RequestMessage<Request>) => {
    if (message?.kind !== 'request') return;
    queue = queue.then(() => answer(message));
  });
}
