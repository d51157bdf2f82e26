/**
 * The demo's engine: everything that computes (the tfjs backend, the loaded tagger, predictions, fine-tuning, the
 * export for "Download weights"), driven by the messages of protocol.ts. It runs in a Web Worker (worker.ts), so
 * that the page stays responsive while it computes, or, where the worker cannot run the chosen backend (webgl
 * without OffscreenCanvas), on the page's main thread, with the same messages.
 *
 * Requests are handled one at a time, in order. While fine-tuning runs, predictions, `stop` and `memory` are still
 * answered between two steps (a prediction uses the weights of the steps so far); anything else is refused until
 * the run ends.
 */
import { match } from 'ts-pattern';
import type { BackendName } from '../../browser/entry.js';
import { type FineTuneSettings } from './limits.js';
import { backendDetails, DemoModel, type SampleSentence, switchBackend, trax } from './model.js';
import type { Capabilities, EngineMessage, Replies, Request, SampleInfo } from './protocol.js';
import { tarArchive } from './tar.js';

/** Sends a message to the page (with the buffers to transfer). */
export type Post = (message: EngineMessage, transfer?: Transferable[]) => void;

/** The WebGL2 renderer of this context (OffscreenCanvas in a worker, a canvas on the page), or null without WebGL2. */
function webglRenderer(): string | null {
  try {
    const canvas: OffscreenCanvas | HTMLCanvasElement | undefined =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(1, 1)
        : typeof document !== 'undefined'
          ? document.createElement('canvas')
          : undefined;
    const gl = canvas?.getContext('webgl2');
    if (!gl) return null;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return null;
  }
}

function errorParts(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

/** A fine-tuning run in progress. */
interface Run {
  readonly id: number;
  stopRequested: boolean;
  step: number;
}

export class DemoEngine {
  private model: DemoModel | undefined;
  private sample: SampleSentence[] | undefined;
  private modelUrl = '';
  private run: Run | undefined;
  /** Set by the page (Atomics) at the moment Stop is clicked; read before each step. */
  private stopFlag: Int32Array | undefined;
  /** Backends that have made a prediction: the first on webgl compiles its shaders (a warm-up). */
  private readonly warmed = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly post: Post,
    private readonly thread: Capabilities['thread'],
  ) {}

  /** Handles one message from the page. */
  handle(request: Request): void {
    const immediate = request.type === 'stop' || request.type === 'memory' || (request.type === 'tag' && this.run !== undefined);
    if (immediate) {
      void this.answer(request);
      return;
    }
    const next = this.queue.then(() => this.answer(request));
    this.queue = next.catch(() => undefined);
  }

  private async answer(request: Request): Promise<void> {
    try {
      if (this.run && request.type !== 'tag' && request.type !== 'stop' && request.type !== 'memory') {
        throw new Error(`fine-tuning is running (step ${this.run.step}): stop it or wait for it to end before '${request.type}'`);
      }
      await match(request)
        .with({ type: 'hello' }, async (r) => this.reply(r, 'hello', this.hello(r.stopFlag)))
        .with({ type: 'set-backend' }, async (r) => this.reply(r, 'set-backend', await this.setBackend(r.backend)))
        .with({ type: 'load' }, async (r) => this.reply(r, 'load', await this.load(r.modelUrl, r.sampleUrl)))
        .with({ type: 'tag' }, async (r) => this.reply(r, 'tag', this.tag(r.text, r.withScores)))
        .with({ type: 'fine-tune' }, async (r) => this.reply(r, 'fine-tune', await this.fineTune(r.id, r)))
        .with({ type: 'stop' }, async (r) => this.reply(r, 'stop', this.stop(r.run)))
        .with({ type: 'reset' }, async (r) => this.reply(r, 'reset', this.reset()))
        .with({ type: 'download' }, async (r) => {
          const value = await this.download();
          this.reply(r, 'download', value, [value.bytes.buffer as ArrayBuffer]);
        })
        .with({ type: 'memory' }, async (r) => this.reply(r, 'memory', { numTensors: trax.tf.memory().numTensors }))
        .exhaustive();
    } catch (error) {
      this.post({ type: 'failed', id: request.id, request: request.type, ...errorParts(error) });
    }
  }

  private reply<K extends Request['type']>(request: { id: number }, kind: K, value: Replies[K], transfer?: Transferable[]): void {
    this.post({ type: 'reply', id: request.id, request: kind, value } as EngineMessage, transfer);
  }

  private hello(stopFlag: SharedArrayBuffer | undefined): Capabilities {
    if (stopFlag) this.stopFlag = new Int32Array(stopFlag);
    const renderer = webglRenderer();
    return { thread: this.thread, webgl: renderer !== null, renderer, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  }

  private async setBackend(name: BackendName): Promise<Replies['set-backend']> {
    const previous = trax.currentBackend();
    try {
      await switchBackend(name);
    } catch (error) {
      if (previous && previous !== name) await switchBackend(previous as BackendName).catch(() => undefined);
      throw new Error(`the ${name} backend could not start (${errorParts(error).message}); staying on ${trax.currentBackend() || 'none'}`);
    }
    const wasm = await trax.wasmBackendInfo();
    return { backend: trax.currentBackend(), details: await backendDetails(), ...(wasm ? { wasm } : {}) };
  }

  private async load(modelUrl: string, sampleUrl: string): Promise<Replies['load']> {
    const samplePromise = this.loadSample(sampleUrl);
    const model = await DemoModel.load(modelUrl);
    this.model = model;
    this.modelUrl = modelUrl;
    return { info: model.info, sample: await samplePromise };
  }

  private async loadSample(url: string): Promise<SampleInfo> {
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${new URL(url).pathname}`);
      const json = (await response.json()) as { sentences?: SampleSentence[] };
      if (!Array.isArray(json.sentences) || json.sentences.length === 0) throw new Error('sample.json has no sentences');
      this.sample = json.sentences;
      return { ok: true, sentences: json.sentences.length, tokens: json.sentences.reduce((n, s) => n + s.words.length, 0) };
    } catch (error) {
      return { ok: false, error: errorParts(error).message };
    }
  }

  private loaded(): DemoModel {
    if (!this.model) throw new Error('no model is loaded');
    return this.model;
  }

  private tag(text: string, withScores: boolean): Replies['tag'] {
    const model = this.loaded();
    const prediction = model.predict(text);
    const warmUp = prediction.backend === 'webgl' && !this.warmed.has('webgl');
    this.warmed.add(prediction.backend);
    return {
      ...prediction,
      warmUp,
      ...(withScores ? { scores: model.scores(text) } : {}),
      ...(this.run ? { duringFineTune: { step: this.run.step } } : {}),
    };
  }

  private async fineTune(id: number, settings: FineTuneSettings): Promise<Replies['fine-tune']> {
    const model = this.loaded();
    if (!this.sample) throw new Error('fine-tuning needs the sample (sample.json), which did not load');
    const run: Run = { id, stopRequested: false, step: 0 };
    this.run = run;
    try {
      return await model.fineTune(this.sample, {
        ...settings,
        shouldStop: () => run.stopRequested || (this.stopFlag !== undefined && Atomics.load(this.stopFlag, 0) === id),
        onStart: (sampleLossBefore) => this.post({ type: 'fine-tune-started', id, sampleLossBefore, backend: trax.currentBackend() }),
        onStep: (step, loss, ms, endedAt) => {
          run.step = step;
          this.post({ type: 'step', id, step, of: settings.steps, loss, ms, endedAt });
        },
      });
    } finally {
      this.run = undefined;
    }
  }

  private stop(runId: number): Replies['stop'] {
    const running = this.run?.id === runId;
    if (running) this.run!.stopRequested = true;
    return { run: runId, running };
  }

  private reset(): Replies['reset'] {
    this.loaded().reset();
    return { backend: trax.currentBackend() };
  }

  private async download(): Promise<Replies['download']> {
    const model = this.loaded();
    const files = await model.files({ fineTunedIn: 'the trax-ts demo page', fineTunedSteps: model.stepsTrained, from: this.modelUrl });
    const folder = 'trax-ner-finetuned';
    return { fileName: `${folder}.tar`, bytes: tarArchive(folder, files), files: [...files.keys()] };
  }
}
