/**
 * Ensemble members trained at the same time: each member runs `trainNer` in its own worker thread, which has its
 * own tfjs engine and wasm backend (one thread each, as in the main thread), so n cores train n members at the
 * speed of one. A worker trains exactly what the main thread would (same seeds, same kernels: the results are the
 * same bit for bit), posts its log lines to the main thread and stops after its current step when the main thread
 * asks (Ctrl-C), leaving a resumable run.
 *
 * The worker's module is the recipe's entry point (`recipes/ner.ts`), which calls `serveMemberWorker` when it is
 * started as a member worker (`isMemberWorker`).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { NerRecipeOptions } from './options.js';
import { type NerTrainResult, trainNer } from './train.js';

const WORKER_KIND = 'trax-ts-ner-ensemble-member';

interface MemberWorkerData {
  kind: typeof WORKER_KIND;
  options: NerRecipeOptions;
  /** Int32 flag shared with the main thread: 1 when the member should stop after its current step. */
  stopFlag: SharedArrayBuffer;
}

type FromWorker = { kind: 'log'; line: string } | { kind: 'step'; step: number; loss: number } | { kind: 'done'; result: NerTrainResult };

/** Steps are reported to the main thread at most this often (milliseconds). */
const STEP_REPORT_MS = 500;

/** Whether this thread was started by `trainMemberInWorker`. */
export function isMemberWorker(): boolean {
  return !isMainThread && (workerData as Partial<MemberWorkerData> | null)?.kind === WORKER_KIND;
}

/** The worker's side: trains the member it was given and posts its log lines and result. */
export async function serveMemberWorker(): Promise<void> {
  if (!isMemberWorker() || !parentPort) throw new Error('serveMemberWorker: not started as an ensemble member worker');
  const port = parentPort;
  const data = workerData as MemberWorkerData;
  const flag = new Int32Array(data.stopFlag);
  const stopSignal = {
    get requested(): boolean {
      return Atomics.load(flag, 0) === 1;
    },
  };
  let reported = -Infinity;
  const onStep = (step: number, loss: number): void => {
    const now = performance.now();
    if (now - reported < STEP_REPORT_MS && step < data.options.steps) return;
    reported = now;
    port.postMessage({ kind: 'step', step, loss } satisfies FromWorker);
  };
  const result = await trainNer(data.options, { log: (line) => port.postMessage({ kind: 'log', line } satisfies FromWorker), progress: false, stopSignal, onStep });
  port.postMessage({ kind: 'done', result } satisfies FromWorker);
}

/** A member being trained in a worker thread. */
export interface MemberInWorker {
  /** Resolves with the member's result (test undefined when it was stopped); rejects with the worker's error. */
  result: Promise<NerTrainResult>;
  /** Asks the member to stop after its current step (its run directory can be resumed). */
  stop(): void;
}

/**
 * Starts training `options` (a single run) in a worker thread running the module `entry` (one that calls
 * `serveMemberWorker` in member workers); `log` receives its lines, `onStep` its step and loss (at most twice a
 * second, and the last step).
 */
export function trainMemberInWorker(entry: URL, options: NerRecipeOptions, log: (line: string) => void, onStep?: (step: number, loss: number) => void): MemberInWorker {
  const stopFlag = new SharedArrayBuffer(4);
  const worker = new Worker(entry, { workerData: { kind: WORKER_KIND, options, stopFlag } satisfies MemberWorkerData });
  const result = new Promise<NerTrainResult>((resolve, reject) => {
    let done: NerTrainResult | undefined;
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'log') log(message.line);
      else if (message.kind === 'step') onStep?.(message.step, message.loss);
      else {
        done = message.result;
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (done) resolve(done);
      else reject(new Error(`the worker training ${options.outputDir} exited (code ${code}) before it finished`));
    });
  });
  return { result, stop: () => Atomics.store(new Int32Array(stopFlag), 0, 1) };
}
