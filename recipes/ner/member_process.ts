/**
 * Ensemble members trained at the same time: each member runs `trainNer` in its own Node process (forked from the
 * recipe's entry point), with its own tfjs engine and one-threaded wasm backend, so n cores train n members at the
 * speed of one. A member process trains exactly what the main process would (same seeds, same kernels: the
 * results are the same bit for bit), sends its log lines and steps to the main process over the IPC channel, and
 * stops after its current step when asked (Ctrl-C, which a terminal also sends it directly, or a message), leaving
 * a resumable run. Separate processes keep the members apart: one member's crash or memory cannot touch another.
 *
 * The forked module is the recipe's entry point (`recipes/ner.ts`), which calls `serveMemberProcess` when it is
 * started as a member process (`isMemberProcess`).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NerRecipeOptions } from './options.js';
import { type NerTrainResult, trainNer } from './train.js';

/** The environment variable that marks a member process. */
const MEMBER_ENV = 'TRAX_NER_ENSEMBLE_MEMBER';

type ToMember = { kind: 'train'; options: NerRecipeOptions } | { kind: 'stop' };
type FromMember =
  | { kind: 'log'; line: string }
  | { kind: 'step'; step: number; loss: number }
  | { kind: 'done'; result: NerTrainResult }
  | { kind: 'failed'; message: string };

/** Steps are reported to the main process at most this often (milliseconds). */
const STEP_REPORT_MS = 500;

/** Whether this process was started by `trainMemberInProcess`. */
export function isMemberProcess(): boolean {
  return process.env[MEMBER_ENV] === '1' && typeof process.send === 'function';
}

/** The member process's side: trains the member it is sent, sends its log lines, steps and result, and exits. */
export async function serveMemberProcess(): Promise<void> {
  if (!isMemberProcess()) throw new Error('serveMemberProcess: not started as an ensemble member process');
  const send = (message: FromMember): void => {
    if (process.connected) process.send!(message);
  };
  const stopSignal = { requested: false };
  const stop = (): void => {
    stopSignal.requested = true;
  };
  // Ctrl-C in a terminal reaches every process of the group: stop after the step, as the main process asks.
  process.on('SIGINT', stop);
  // The main process is gone: stop after the step (the run stays resumable).
  process.on('disconnect', stop);
  const options = await new Promise<NerRecipeOptions>((resolve) => {
    process.on('message', (message: ToMember) => {
      if (message.kind === 'train') resolve(message.options);
      else stop();
    });
  });
  let reported = -Infinity;
  const onStep = (step: number, loss: number): void => {
    const now = performance.now();
    if (now - reported < STEP_REPORT_MS && step < options.steps) return;
    reported = now;
    send({ kind: 'step', step, loss });
  };
  let last: FromMember;
  try {
    last = {
      kind: 'done',
      result: await trainNer(options, { log: (line) => send({ kind: 'log', line }), progress: false, stopSignal, onStep }),
    };
  } catch (error) {
    last = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  // Exit once the last message is on its way (the backend may hold handles that would keep the process alive).
  const code = last.kind === 'done' ? 0 : 1;
  if (process.connected) process.send!(last, () => process.exit(code));
  else process.exit(code);
}

/** A member being trained in its own process. */
export interface MemberInProcess {
  /** Resolves with the member's result (test undefined when it was stopped); rejects when the process fails. */
  result: Promise<NerTrainResult>;
  /** Asks the member to stop after its current step (its run directory can be resumed). */
  stop(): void;
}

/**
 * Starts training `options` (a single run) in a process forked from the module `entry` (one that calls
 * `serveMemberProcess` in member processes); `log` receives its lines, `onStep` its step and loss (at most twice a
 * second, and the last step). Its stderr is the main process's.
 */
export function trainMemberInProcess(
  entry: URL,
  options: NerRecipeOptions,
  log: (line: string) => void,
  onStep?: (step: number, loss: number) => void,
): MemberInProcess {
  const child = fork(fileURLToPath(entry), [], {
    env: { ...process.env, [MEMBER_ENV]: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const result = new Promise<NerTrainResult>((resolve, reject) => {
    let done: NerTrainResult | undefined;
    let failed: string | undefined;
    child.on('message', (message: FromMember) => {
      if (message.kind === 'log') log(message.line);
      else if (message.kind === 'step') onStep?.(message.step, message.loss);
      else if (message.kind === 'done') done = message.result;
      else failed = message.message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (done && code === 0) resolve(done);
      else if (failed !== undefined) reject(new Error(failed));
      else
        reject(
          new Error(
            `the process training ${options.outputDir} ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before it finished`,
          ),
        );
    });
  });
  child.send({ kind: 'train', options } satisfies ToMember);
  return {
    result,
    stop: () => {
      if (child.connected) child.send({ kind: 'stop' } satisfies ToMember);
    },
  };
}
