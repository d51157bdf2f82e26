/**
 * A pool of Node worker threads, each running one module (see `serveWorker`) with its own tfjs engine and backend:
 * the way trax-ts uses more than one core in Node, where tfjs's wasm backend runs single-threaded.
 *
 * Workers are long-lived: each runs its module's init once, on the pool's init value, and keeps what it returns
 * (a model, its weights, views of shared memory) between requests. Requests go to the next free worker (`run`,
 * `map`), to one worker (`runOn`), or to every worker (`broadcast`); each worker answers one at a time. Results
 * come back in the order asked, whichever worker finishes first.
 *
 * Failure is never a hang: a request whose handler throws fails with a {@link WorkerError} (the worker's message
 * and stack); a worker that dies (an uncaught error, `process.exit`, out of memory) fails the pool, and every
 * pending and later request with its error. `close()` terminates every worker; so does the `signal` option
 * (abort it on Ctrl-C). Idle workers do not keep the process alive.
 */
import type { TransferListItem, Worker } from 'node:worker_threads';
import { WorkerError, WorkerPoolClosedError } from './worker_errors.js';
import type { RequestMessage, SerializedError, WorkerReply, WorkerStartData } from './worker_protocol.js';
import { moduleUrl, startWorkerThread } from './worker_thread.js';

/** Options of {@link WorkerPool.start}. @public */
export interface WorkerPoolOptions<Init> {
  /**
   * The module each worker runs: one that calls `serveWorker` at its top level. A file URL or a path; a JavaScript
   * module (a bundle) runs as it is, a TypeScript one through tsx (for the library's tests; tsx must be installed).
   */
  readonly module: URL | string;
  /** How many workers (an integer >= 1). */
  readonly workers: number;
  /**
   * The value each worker's init receives (structured-cloned; a `SharedArrayBuffer` in it is shared by all), or a
   * function giving worker `index`'s.
   */
  readonly init?: Init | ((index: number) => Init);
  /** Closes the pool when aborted (pending requests fail with a {@link WorkerPoolClosedError}). */
  readonly signal?: AbortSignal;
  /** A name for the workers' threads and for messages (default: the module's file name). */
  readonly name?: string;
}

/** Options of one request. @public */
export interface RunOptions {
  /** Buffers of the request to move to the worker instead of copying them. */
  readonly transfer?: readonly TransferListItem[];
}

interface Task {
  readonly id: number;
  readonly request: unknown;
  readonly transfer: readonly TransferListItem[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  /** Requests for this worker only (runOn, broadcast), before the shared queue. */
  readonly own: Task[];
  busy: Task | undefined;
  ready: boolean;
}

/**
 * A pool of worker threads running one module. Start it with {@link WorkerPool.start}; end it with
 * {@link WorkerPool.close}.
 *
 * @example
 * ```ts
 * // square_worker.ts: serveWorker<void, number, number>({ handle: (x) => x * x });
 * const pool = await WorkerPool.start<number, number>({ module: new URL('./square_worker.js', import.meta.url), workers: 2 });
 * try {
 *   console.log(await pool.map([1, 2, 3])); // [1, 4, 9]
 * } finally {
 *   await pool.close();
 * }
 * ```
 * @public
 */
export class WorkerPool<Request, Result> {
  private readonly slots: Slot[] = [];
  private readonly shared: Task[] = [];
  private nextId = 1;
  private failure: unknown;
  private closing: Promise<void> | undefined;
  private readonly name: string;
  private readonly moduleName: string;
  private readonly onAbort: () => void;
  private readonly signal: AbortSignal | undefined;
  private started: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  private constructor(options: WorkerPoolOptions<unknown>) {
    const n = options.workers;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`WorkerPool: workers must be an integer >= 1, got ${String(n)}`);
    const url = moduleUrl(options.module);
    this.moduleName = url.pathname.split('/').pop() ?? url.href;
    this.name = options.name ?? this.moduleName;
    this.signal = options.signal;
    this.onAbort = () =>
      void this.shutDown(new WorkerPoolClosedError(`${this.name}: the worker pool was stopped`, { cause: this.signal?.reason }));
    for (let index = 0; index < n; index++) {
      const init = typeof options.init === 'function' ? (options.init as (i: number) => unknown)(index) : options.init;
      const data: WorkerStartData = { traxWorkerPool: { index, count: n, init } };
      let worker: Worker;
      try {
        worker = startWorkerThread(url, { ...data }, `${this.name} ${index + 1}/${n}`);
      } catch (error) {
        for (const slot of this.slots) void slot.worker.terminate();
        throw error;
      }
      const slot: Slot = { index, worker, own: [], busy: undefined, ready: false };
      this.slots.push(slot);
      worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
      worker.on('error', (error: Error) =>
        this.onDeath(slot, { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) }),
      );
      worker.on('exit', (code) => {
        if (this.closing || this.failure !== undefined) return;
        const early = slot.ready ? '' : ' before it was ready (does the module call serveWorker?)';
        this.onDeath(slot, { name: 'WorkerExit', message: `${this.name}: worker ${index + 1} of ${n} exited with code ${code}${early}` });
      });
    }
  }

  /**
   * Starts `options.workers` workers on `options.module` and resolves once every one has run its init. Rejects (and
   * terminates them all) when one fails to start, with that worker's {@link WorkerError}.
   */
  static async start<Request, Result, Init = unknown>(options: WorkerPoolOptions<Init>): Promise<WorkerPool<Request, Result>> {
    if (options.signal?.aborted)
      throw new WorkerPoolClosedError('WorkerPool: the signal was aborted before the pool started', { cause: options.signal.reason });
    const pool = new WorkerPool<Request, Result>(options);
    options.signal?.addEventListener('abort', pool.onAbort, { once: true });
    await new Promise<void>((resolve, reject) => {
      pool.started = { resolve, reject };
    });
    return pool;
  }

  /** The number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** Whether the pool was closed, stopped or failed (requests are then refused). */
  get closed(): boolean {
    return this.closing !== undefined || this.failure !== undefined;
  }

  /** Runs `request` on the next free worker. */
  run(request: Request, options: RunOptions = {}): Promise<Result> {
    return this.enqueue(undefined, request, options);
  }

  /** Runs `request` on worker `index` (after its earlier requests): for state kept in one worker. */
  runOn(index: number, request: Request, options: RunOptions = {}): Promise<Result> {
    if (!Number.isInteger(index) || index < 0 || index >= this.slots.length)
      return Promise.reject(new RangeError(`${this.name}: no worker ${index} (the pool has ${this.slots.length}, from 0)`));
    return this.enqueue(index, request, options);
  }

  /**
   * Runs `requests` on the free workers, as each becomes free, and resolves with their results in the order of
   * `requests`. Fails with the first failure, at once; the requests not yet sent then are not sent.
   */
  async map(requests: readonly Request[]): Promise<Result[]> {
    const tasks: Task[] = [];
    const results = requests.map((request) => this.enqueue(undefined, request, {}, tasks));
    try {
      return await Promise.all(results);
    } catch (error) {
      // The requests not sent yet (still queued) are dropped; those running end on their own, their results unused
      // (the failure is reported now, not after them).
      const dropped = new Set(tasks);
      for (const queue of [this.shared, ...this.slots.map((s) => s.own)]) {
        const kept = queue.filter((task) => !dropped.has(task));
        for (const task of queue) {
          if (dropped.has(task))
            task.reject(new WorkerPoolClosedError(`${this.name}: not sent, an earlier request of the same map failed`));
        }
        queue.splice(0, queue.length, ...kept);
      }
      throw error;
    }
  }

  /**
   * Sends a request to every worker (the same one, or `request(index)` for each) and resolves with their results in
   * worker order: for setting state in all workers (new weights, a step's shared buffers).
   */
  broadcast(request: Request | ((index: number) => Request)): Promise<Result[]> {
    const of = (i: number): Request => (typeof request === 'function' ? (request as (index: number) => Request)(i) : request);
    return Promise.all(this.slots.map((slot) => this.enqueue(slot.index, of(slot.index), {})));
  }

  /** Terminates every worker; pending requests fail with a {@link WorkerPoolClosedError}. A second call does nothing more. */
  close(): Promise<void> {
    return this.shutDown(new WorkerPoolClosedError(`${this.name}: the worker pool was closed`));
  }

  private enqueue(index: number | undefined, request: Request, options: RunOptions, collect?: Task[]): Promise<Result> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new WorkerPoolClosedError(`${this.name}: the worker pool is closed`));
    return new Promise<Result>((resolve, reject) => {
      const task: Task = {
        id: this.nextId++,
        request,
        transfer: options.transfer ?? [],
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      collect?.push(task);
      if (index === undefined) this.shared.push(task);
      else this.slots[index]!.own.push(task);
      this.dispatch();
    });
  }

  /** Gives every free, ready worker its next task. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.busy) continue;
      const task = slot.own.shift() ?? this.shared.shift();
      if (!task) {
        slot.worker.unref();
        continue;
      }
      slot.busy = task;
      slot.worker.ref();
      const message: RequestMessage = { kind: 'request', id: task.id, request: task.request };
      try {
        slot.worker.postMessage(message, [...task.transfer]);
      } catch (error) {
        // A request that cannot be cloned (a function in it): that request fails, the worker goes on.
        slot.busy = undefined;
        task.reject(error);
        this.dispatch();
        return;
      }
    }
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (reply.kind === 'ready') {
      slot.ready = true;
      if (this.slots.every((s) => s.ready)) {
        this.started?.resolve();
        this.started = undefined;
      }
      this.dispatch();
      return;
    }
    if (reply.kind === 'failed' && reply.id === null) {
      this.onDeath(slot, reply.error, false);
      return;
    }
    const task = slot.busy;
    if (!task || task.id !== reply.id) return;
    slot.busy = undefined;
    if (reply.kind === 'result') task.resolve(reply.value);
    else task.reject(this.workerError(slot, reply.error, false));
    this.dispatch();
  }

  private workerError(slot: Slot, error: SerializedError, fatal: boolean): WorkerError {
    return new WorkerError(error, { workerIndex: slot.index, workers: this.slots.length, module: this.moduleName, fatal });
  }

  /** A worker died (or its init failed): the pool fails with its error. */
  private onDeath(slot: Slot, error: SerializedError, died = true): void {
    if (this.failure !== undefined || this.closing) return;
    const failure = this.workerError(slot, error, died);
    this.failure = failure;
    void this.shutDown(failure);
  }

  private shutDown(error: unknown): Promise<void> {
    if (this.closing) return this.closing;
    this.signal?.removeEventListener('abort', this.onAbort);
    const pending = [...this.slots.flatMap((s) => [...(s.busy ? [s.busy] : []), ...s.own.splice(0)]), ...this.shared.splice(0)];
    for (const slot of this.slots) slot.busy = undefined;
    for (const task of pending) task.reject(error);
    this.started?.reject(error);
    this.started = undefined;
    this.closing = Promise.all(this.slots.map((s) => s.worker.terminate())).then(() => undefined);
    return this.closing;
  }
}
