/**
 * The page's side of the engine (engine.ts): sends the requests of protocol.ts and resolves each with its reply,
 * and hands fine-tuning progress to a listener. The engine runs in a Web Worker ({@link EngineClient.inWorker}) or,
 * as a fallback, on the page's main thread ({@link EngineClient.onMainThread}, with the same messages).
 */
import { match } from 'ts-pattern';
import type { EngineMessage, Replies, Request } from './protocol.js';

/** A request without its id (the client numbers them). */
export type RequestBody<K extends Request['type']> = Omit<Extract<Request, { type: K }>, 'id'>;

/** A request the engine refused or failed: its name and message are the engine's error's. */
export class EngineError extends Error {
  constructor(
    readonly request: string,
    name: string,
    message: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** Progress of a fine-tuning run (the messages of protocol.ts that are not replies). */
export type Progress = Extract<EngineMessage, { type: 'step' | 'fine-tune-started' }>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private progressListener: ((progress: Progress) => void) | undefined;

  private constructor(
    private readonly send: (request: Request, transfer?: Transferable[]) => void,
    readonly thread: 'worker' | 'main',
    private readonly close: () => void,
  ) {}

  /** The engine in a module worker (`worker.js` beside the page's script). Throws where module workers are missing. */
  static inWorker(url: URL): EngineClient {
    const worker = new Worker(url, { type: 'module' });
    const client: EngineClient = new EngineClient(
      (r, t) => worker.postMessage(r, t ?? []),
      'worker',
      () => worker.terminate(),
    );
    worker.addEventListener('message', (event: MessageEvent<EngineMessage>) => client.receive(event.data));
    worker.addEventListener('error', (event) =>
      client.failAll(`the demo's worker failed: ${event.message || 'it could not start (worker.js or ../trax.js did not load)'}`),
    );
    return client;
  }

  /** The engine on this (the page's) thread: loads the library into the page. */
  static async onMainThread(): Promise<EngineClient> {
    const { DemoEngine } = await import('./engine.js');
    // Asynchronous both ways, as with a worker: a request never runs inside the caller's stack (so `engine` exists
    // by the time the first request reaches it).
    const client: EngineClient = new EngineClient(
      (r) => setTimeout(() => engine.handle(r), 0),
      'main',
      () => undefined,
    );
    const engine = new DemoEngine((m) => setTimeout(() => client.receive(m), 0), 'main');
    return client;
  }

  /** Sends `body` and resolves with the engine's reply to it (rejects with an {@link EngineError}). */
  call<K extends Request['type']>(body: RequestBody<K>, transfer?: Transferable[]): Promise<Replies[K]> & { id: number } {
    const id = this.nextId++;
    const promise = new Promise<Replies[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
    });
    this.send({ ...body, id } as unknown as Request, transfer);
    return Object.assign(promise, { id });
  }

  /** The id the next request will get (so that a caller can name a run before starting it). */
  get upcomingId(): number {
    return this.nextId;
  }

  onProgress(listener: (progress: Progress) => void): void {
    this.progressListener = listener;
  }

  terminate(): void {
    this.failAll('the engine was shut down');
    this.close();
  }

  private receive(message: EngineMessage): void {
    match(message)
      .with({ type: 'reply' }, (m) => this.settle(m.id, (p) => p.resolve(m.value)))
      .with({ type: 'failed' }, (m) => this.settle(m.id, (p) => p.reject(new EngineError(m.request, m.name, m.message))))
      .with({ type: 'step' }, { type: 'fine-tune-started' }, (m) => this.progressListener?.(m))
      .exhaustive();
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    how(pending);
  }

  private failAll(reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error(reason));
    }
  }
}
