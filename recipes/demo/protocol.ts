/**
 * The messages between the demo page and its engine (recipes/demo/engine.ts), which runs in a Web Worker
 * (recipes/demo/worker.ts) or, where the worker cannot run the chosen backend, on the page's main thread. Both
 * directions are tagged unions on `type`; each side matches them exhaustively with ts-pattern, so a message kind
 * added here and not handled fails the type check.
 *
 * Requests carry an `id`; the engine answers each with one `reply` (its `value` typed by the request's kind, see
 * {@link Replies}) or one `failed`. While fine-tuning runs it also sends `fine-tune-started` and one `step` per step,
 * with the request's id.
 */
import type { BackendName, WasmBackendInfo } from '../../browser/entry.js';
import type { FineTuneSettings } from './limits.js';
import type { FineTuneResult, ModelInfo, Prediction } from './model.js';

/** What the engine's context can do, for the page to choose the first backend and where to run. */
export interface Capabilities {
  /** 'worker' in a Web Worker, 'main' on the page's main thread. */
  readonly thread: 'worker' | 'main';
  /** Whether WebGL2 works here (in a worker: through OffscreenCanvas). */
  readonly webgl: boolean;
  /** The WebGL renderer (SwiftShader, llvmpipe, a GPU), or null without WebGL2. */
  readonly renderer: string | null;
  readonly crossOriginIsolated: boolean;
}

/** Page -> engine. */
export type Request =
  | { readonly type: 'hello'; readonly id: number; readonly stopFlag?: SharedArrayBuffer }
  | { readonly type: 'set-backend'; readonly id: number; readonly backend: BackendName }
  | { readonly type: 'load'; readonly id: number; readonly modelUrl: string; readonly sampleUrl: string }
  | { readonly type: 'tag'; readonly id: number; readonly text: string; readonly withScores: boolean }
  | ({ readonly type: 'fine-tune'; readonly id: number } & FineTuneSettings)
  /** Ends the run of fine-tuning request `run` after its current step (the shared stop flag does it sooner). */
  | { readonly type: 'stop'; readonly id: number; readonly run: number }
  | { readonly type: 'reset'; readonly id: number }
  | { readonly type: 'download'; readonly id: number }
  | { readonly type: 'memory'; readonly id: number };

/** Where the fine-tuning sample came from, or why it could not be loaded. */
export type SampleInfo =
  { readonly ok: true; readonly sentences: number; readonly tokens: number } | { readonly ok: false; readonly error: string };

/** A prediction as the engine reports it: with the model's scores when asked, and what it ran beside. */
export interface TagReply extends Prediction {
  readonly scores?: number[][][];
  /** True for the first prediction on webgl: its time includes compiling the shaders. */
  readonly warmUp: boolean;
  /** Set when the text was tagged between two fine-tuning steps: the steps done so far in that run. */
  readonly duringFineTune?: { readonly step: number };
}

/** The value of the reply to each kind of request. */
export interface Replies {
  hello: Capabilities;
  /** The backend now active, a description of it, and how the wasm backend runs (once it started, whichever is active). */
  'set-backend': { readonly backend: string; readonly details: string; readonly wasm?: WasmBackendInfo };
  load: { readonly info: ModelInfo; readonly sample: SampleInfo };
  tag: TagReply;
  'fine-tune': FineTuneResult;
  stop: { readonly run: number; readonly running: boolean };
  reset: { readonly backend: string };
  /** The fine-tuned model as a tar archive of an exported tagger directory. */
  download: { readonly fileName: string; readonly bytes: Uint8Array; readonly files: readonly string[] };
  memory: { readonly numTensors: number };
}

/** One of the engine's replies to a request of kind K. */
export type ReplyOf<K extends Request['type']> = {
  readonly type: 'reply';
  readonly id: number;
  readonly request: K;
  readonly value: Replies[K];
};

/** Engine -> page. */
export type EngineMessage =
  | { [K in Request['type']]: ReplyOf<K> }[Request['type']]
  | { readonly type: 'failed'; readonly id: number; readonly request: Request['type']; readonly name: string; readonly message: string }
  | { readonly type: 'fine-tune-started'; readonly id: number; readonly sampleLossBefore: number; readonly backend: string }
  | {
      readonly type: 'step';
      readonly id: number;
      /** Steps done in this run (from 1), and how many were asked. */
      readonly step: number;
      readonly of: number;
      readonly loss: number;
      readonly ms: number;
      /** When the step ended: `performance.timeOrigin + performance.now()`, comparable across the page and the worker. */
      readonly endedAt: number;
    };

/** Now, on a clock shared by the page and its workers (milliseconds since the epoch, sub-millisecond resolution). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}
