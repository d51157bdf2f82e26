/**
 * The messages between a {@link WorkerPool} and the workers it starts (`serveWorker` on the worker's side). Every
 * value crosses the thread boundary by structured clone: typed arrays and `ArrayBuffer`s are copied unless they are
 * transferred, `SharedArrayBuffer`s are shared (both sides see the same memory).
 */
import type { TransferListItem } from 'node:worker_threads';

/** What a worker receives as its `workerData`: its place in the pool and the pool's init value. @internal */
export interface WorkerStartData<Init = unknown> {
  readonly traxWorkerPool: { readonly index: number; readonly count: number; readonly init: Init };
}

/** Pool -> worker: one request, answered by one `result` or `failed` with the same id. @internal */
export interface RequestMessage<Request = unknown> {
  readonly kind: 'request';
  readonly id: number;
  readonly request: Request;
}

/** An error as it crosses the thread boundary: what a worker threw, with the stack of the worker's thread. @public */
export interface SerializedError {
  /** The error's name (`Error`, `RangeError`, ...). */
  readonly name: string;
  /** Its message. */
  readonly message: string;
  /** Its stack, as the worker's thread wrote it. */
  readonly stack?: string;
}

/**
 * Worker -> pool: `ready` once its init has run, `result` / `failed` for a request (`failed` with id `null`: the
 * init failed).
 * @internal
 */
export type WorkerReply<Result = unknown> =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly id: number; readonly value: Result }
  | { readonly kind: 'failed'; readonly id: number | null; readonly error: SerializedError };

/** The name, message and stack of anything thrown (a non-Error as its string). @internal */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error)
    return { name: error.name, message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

/**
 * A value sent with a transfer list: the buffers in `transfer` move to the other thread instead of being copied
 * (they become unusable on the sending side). A worker's handler returns one to transfer its result's buffers; the
 * pool's `run` takes a transfer list itself.
 *
 * @example
 * ```ts
 * const scores = new Float32Array(1 << 20);
 * return withTransfer({ scores }, [scores.buffer]);
 * ```
 * @public
 */
export class Transfer<T> {
  constructor(
    /** The value sent. */
    readonly value: T,
    /** Buffers inside `value` to move rather than copy. */
    readonly transfer: readonly TransferListItem[],
  ) {}
}

/** `value` sent with the transfer list `transfer` (see {@link Transfer}). @public */
export function withTransfer<T>(value: T, transfer: readonly TransferListItem[]): Transfer<T> {
  return new Transfer(value, transfer);
}
