/**
 * The demo page (recipes/demo/index.html): loads an exported NER tagger, tags the text as it is typed and
 * highlights the entities, switches the tfjs backend at run time (webgl, wasm, cpu) without reloading the page or
 * the model, fine-tunes the loaded model (every member of an ensemble) on a bundled GMB sample while plotting the
 * loss, and offers the fine-tuned model as a download.
 *
 * The page only draws: the computing runs in a Web Worker (engine.ts in worker.ts, messages of protocol.ts), so
 * that a click is answered at once even while a step of fine-tuning takes seconds. Where the worker cannot run
 * the chosen backend (webgl in a browser without OffscreenCanvas WebGL2), the engine runs on the main thread and
 * the page says that it may freeze while it computes.
 *
 * Query parameters: `?model=URL` (relative to the page; by default `../model/`, where `npm run demo` serves the
 * directory given with `--model`); `?backend=webgl|wasm|cpu`, the first backend (by default webgl, unless WebGL is
 * missing or software-rendered, where wasm is much faster); `?thread=main` runs the engine on the main thread.
 *
 * `window.demo` is the hook the browser tests drive (the same code paths as the controls).
 */
import type { BackendName, WasmBackendInfo } from '../../browser/entry.js';
import { drawLossChart } from './chart.js';
import { EngineClient, type Progress } from './client.js';
import { checkSettings, FINE_TUNE_LIMITS } from './limits.js';
import type { FineTuneResult, ModelInfo } from './model.js';
import { type Capabilities, type Replies, sharedNow, type TagReply } from './protocol.js';
import { renderEntityTable, renderHighlights, renderLegend } from './render.js';

const BACKENDS: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

/** The page's state and controls, as the tests see them. */
export interface DemoHook {
  status: 'loading' | 'ready' | 'error';
  /** The load error's message (status 'error'). */
  error?: string;
  readonly modelUrl: string;
  /** Where the engine runs: a worker, or the page's main thread (the fallback). */
  thread?: Capabilities['thread'];
  /** How many times the model's files were loaded (1: backend switches and fine-tuning never reload it). */
  loads: number;
  lastPrediction?: TagReply;
  lastFineTune?: FineTuneResult;
  /** When Stop was last clicked (`sharedNow()`, the clock of the worker's step times) and the steps seen by then. */
  lastStop?: { at: number; run: number; stepsSeen: number };
  /** How the wasm backend runs, as the engine reported it once wasm started (the page shows its thread count). */
  wasm?: WasmBackendInfo;
  /** Whether a fine-tuning run is in progress. */
  fineTuning: boolean;
  /** The steps the page has been told of by the run in progress (0 when none runs). */
  stepsSeen(): number;
  /** Resolves once the page is ready or has failed. */
  readonly ready: Promise<void>;
  backend(): string;
  /** Switches as the selector does; resolves to the active backend. */
  setBackend(name: BackendName): Promise<string>;
  /** Puts `text` in the text box and tags it as the Tag button does; adds the model's log-probabilities. */
  tag(text: string): Promise<TagReply & { scores: number[][][] }>;
  /**
   * Sets the fine-tuning controls (as strings, as a person types them) and runs them as the Fine-tune button does;
   * rejects with the page's message when a value is out of bounds.
   */
  fineTune(options: { steps: number | string; learningRate?: number | string; batchSize?: number | string }): Promise<FineTuneResult>;
  reset(): Promise<void>;
  /** Fine-tuning steps not saved by "Download weights" (the reason for the prompt before leaving). */
  unsavedSteps(): number;
  numTensors(): Promise<number>;
}

declare global {
  interface Window {
    demo: DemoHook;
  }
}

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`demo: the page has no #${id}`);
  return node as T;
}

const ui = {
  status: $('status'),
  modelInfo: $('model-info'),
  threadNote: $('thread-note'),
  loadError: $('load-error'),
  loadErrorMessage: $('load-error-message'),
  loadErrorUrl: $('load-error-url'),
  backend: $<HTMLSelectElement>('backend'),
  activeBackend: $('active-backend'),
  timing: $('timing'),
  modelUrl: $<HTMLInputElement>('model-url'),
  message: $('message'),
  text: $<HTMLTextAreaElement>('text'),
  textNote: $('text-note'),
  tag: $<HTMLButtonElement>('tag'),
  legend: $('legend'),
  output: $('output'),
  entityRows: $<HTMLTableSectionElement>('entity-rows'),
  sampleInfo: $('sample-info'),
  ftSteps: $<HTMLInputElement>('ft-steps'),
  ftLr: $<HTMLInputElement>('ft-lr'),
  ftBatch: $<HTMLInputElement>('ft-batch'),
  ftRun: $<HTMLButtonElement>('ft-run'),
  ftStop: $<HTMLButtonElement>('ft-stop'),
  ftReset: $<HTMLButtonElement>('ft-reset'),
  ftDownload: $<HTMLButtonElement>('ft-download'),
  ftStatus: $('ft-status'),
  chart: document.getElementById('loss-chart') as unknown as SVGSVGElement,
  isolation: $('isolation'),
};

const params = new URLSearchParams(location.search);
const modelParam = params.get('model') ?? '../model/';
const modelUrl = new URL(modelParam.endsWith('/') ? modelParam : `${modelParam}/`, location.href).href;
ui.modelUrl.value = modelParam;
for (const [input, limits] of [
  [ui.ftSteps, FINE_TUNE_LIMITS.steps],
  [ui.ftLr, FINE_TUNE_LIMITS.learningRate],
  [ui.ftBatch, FINE_TUNE_LIMITS.batchSize],
] as const) {
  input.min = String(limits.min);
  input.max = String(limits.max);
}

let engine: EngineClient | undefined;
let capabilities: Capabilities | undefined;
let info: ModelInfo | undefined;
let sampleLoaded = false;
let activeBackend = '';
/** Fine-tuning losses since the model was loaded or reset, and the sample loss before the first run. */
let lossHistory: number[] = [];
let referenceLoss: number | undefined;
/** The fine-tuning run in progress (its request id) and the steps it reported. */
let run: { id: number; steps: number; stepsSeen: number } | undefined;
/** Set to the run's id at the moment Stop is clicked; the worker reads it before each step. */
const stopFlag =
  typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
let stepsTrained = 0;
let stepsDownloaded = 0;
/** The newest tagging request: older replies are not drawn over a newer one. */
let newestTag = 0;

function setStatus(state: DemoHook['status'], text: string): void {
  ui.status.dataset['state'] = state;
  ui.status.textContent = text;
}

function showMessage(text: string | undefined): void {
  ui.message.hidden = text === undefined;
  ui.message.textContent = text ?? '';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function setControls(enabled: boolean): void {
  const training = run !== undefined;
  ui.backend.disabled = !enabled || training;
  ui.text.disabled = !enabled;
  ui.tag.disabled = !enabled;
  ui.ftRun.disabled = !enabled || training || !sampleLoaded;
  ui.ftReset.disabled = !enabled || training;
  ui.ftDownload.disabled = !enabled || training;
  ui.ftStop.disabled = !training;
  ui.textNote.textContent = training
    ? 'Fine-tuning is running: what you type is tagged between two of its steps, with the weights trained so far.'
    : 'The text is tagged as you type.';
  window.demo.fineTuning = training;
}

function showBackend(r: Replies['set-backend']): void {
  activeBackend = r.backend;
  ui.activeBackend.textContent = r.details;
  ui.backend.value = r.backend;
  if (r.wasm) showWasmThreads(r.wasm);
}

/** What the footer says of cross-origin isolation and, once wasm started, of its threads. */
function isolationText(wasm: WasmBackendInfo | undefined): string {
  const isolated = globalThis.crossOriginIsolated === true;
  if (!wasm) return isolated ? 'Cross-origin isolated: wasm may use threads.' : 'Not cross-origin isolated: wasm runs single-threaded.';
  const threads = `${wasm.threads} thread${wasm.threads === 1 ? '' : 's'}`;
  if (wasm.binary !== 'tfjs-backend-wasm-threaded-simd.wasm')
    return `${isolated ? 'Cross-origin isolated, but the wasm backend runs its single-threaded binary' : 'Not cross-origin isolated: the wasm backend runs its single-threaded binary'}: ${threads}.`;
  const cores = navigator.hardwareConcurrency;
  return `Cross-origin isolated: the wasm backend runs its threaded binary on ${threads} (tfjs-backend-wasm takes half of the ${cores} logical core${cores === 1 ? '' : 's'}, 1 to 8).`;
}

function showWasmThreads(wasm: WasmBackendInfo): void {
  window.demo.wasm = wasm;
  ui.isolation.textContent = isolationText(wasm);
  ui.isolation.dataset['wasmThreads'] = String(wasm.threads);
}

function describeModel(m: ModelInfo): string {
  const { members, config, encoder, words, tags, entityTypes, weights, decoding, metadata, url } = m;
  const parts = [
    `${members > 1 ? `ensemble of ${members} taggers (the first: ` : ''}${encoder}, width ${config.dModel}${members > 1 ? ')' : ''}`,
    [config.charFeatures ? 'character CNN' : '', config.wordShapes ? 'word shapes' : ''].filter(Boolean).join(' + ') || 'words only',
    `${decoding} decoding`,
    `${words.toLocaleString('en')} words, ${tags.length} tags (${entityTypes.join(', ')})`,
    `${weights.toLocaleString('en')} weights`,
  ];
  const facts = ['step', 'devF1', 'testF1']
    .filter((k) => typeof metadata[k] === 'number')
    .map(
      (k) =>
        `${k === 'step' ? 'step' : k === 'devF1' ? 'dev F1' : 'test F1'} ${k === 'step' ? metadata[k] : (metadata[k] as number).toFixed(3)}`,
    );
  return `Model ${new URL(url).pathname}: ${parts.join('; ')}${facts.length ? `; ${facts.join(', ')}` : ''}.`;
}

function draw(p: TagReply): void {
  renderHighlights(ui.output, p.text, p.sentences);
  renderEntityTable(ui.entityRows, p.sentences);
  const tokens = p.sentences.reduce((n, s) => n + s.tokens.length, 0);
  const n = p.sentences.length;
  const notes = [
    p.warmUp ? 'warm-up: the first webgl prediction compiles its shaders' : '',
    p.duringFineTune ? `between fine-tuning steps, after step ${p.duringFineTune.step}` : '',
  ].filter(Boolean);
  ui.timing.textContent = `${p.ms.toFixed(1)} ms on ${p.backend} (${n} sentence${n === 1 ? '' : 's'}, ${tokens} token${tokens === 1 ? '' : 's'})${notes.length ? `; ${notes.join('; ')}` : ''}`;
  ui.timing.dataset['warmUp'] = String(p.warmUp);
}

/** Tags the text box's text (in the engine) and draws the result unless a newer request was sent meanwhile. */
async function predict(withScores = false): Promise<TagReply | undefined> {
  if (!engine || !info) return undefined;
  const request = engine.call<'tag'>({ type: 'tag', text: ui.text.value, withScores });
  newestTag = request.id;
  try {
    const p = await request;
    if (request.id === newestTag) {
      draw(p);
      showMessage(undefined);
    }
    window.demo.lastPrediction = p;
    return p;
  } catch (error) {
    showMessage(`Tagging failed: ${errorText(error)}`);
    throw error;
  }
}

/** Switches the backend (the selector's handler); on failure stays on the previous one and says why. */
async function setBackend(name: BackendName): Promise<string> {
  const e = engine!;
  if (name === 'webgl' && e.thread === 'worker' && capabilities && !capabilities.webgl) {
    const url = new URL(location.href);
    url.searchParams.set('backend', 'webgl');
    url.searchParams.set('thread', 'main');
    showMessage(
      `This browser cannot run webgl in a worker (no WebGL2 through OffscreenCanvas). To use webgl anyway, open ${url.href}: the engine then runs on the page's main thread, and the page may freeze while it computes.`,
    );
    ui.backend.value = activeBackend;
    return activeBackend;
  }
  ui.backend.disabled = true;
  ui.activeBackend.textContent = `switching to ${name}…`;
  try {
    const r = await e.call<'set-backend'>({ type: 'set-backend', backend: name });
    showBackend(r);
    showMessage(undefined);
  } catch (error) {
    showMessage(`${errorText(error)}.`);
    ui.activeBackend.textContent = activeBackend;
    ui.backend.value = activeBackend;
  } finally {
    ui.backend.disabled = !info || run !== undefined;
  }
  if (info) await predict().catch(() => undefined);
  return activeBackend;
}

function onProgress(p: Progress): void {
  if (!run || p.id !== run.id) return;
  if (p.type === 'fine-tune-started') {
    referenceLoss ??= p.sampleLossBefore;
    drawLossChart(ui.chart, { losses: lossHistory, reference: referenceLoss });
    ui.ftStatus.textContent = `Fine-tuning on ${p.backend}…`;
    return;
  }
  run.stepsSeen = p.step;
  lossHistory.push(p.loss);
  drawLossChart(ui.chart, { losses: lossHistory, ...(referenceLoss === undefined ? {} : { reference: referenceLoss }) });
  ui.ftStatus.textContent = `Step ${p.step} of ${p.of} on ${activeBackend}: loss ${p.loss.toFixed(4)} (${(p.ms / 1000).toFixed(2)} s)`;
}

/** The Fine-tune button's handler: reads and checks the controls, trains in the engine, plots, re-tags. */
async function fineTune(): Promise<FineTuneResult> {
  const e = engine;
  if (!e || !info || !sampleLoaded) throw new Error('fine-tuning needs a loaded model and the sample');
  let settings;
  try {
    settings = checkSettings({ steps: ui.ftSteps.value, learningRate: ui.ftLr.value, batchSize: ui.ftBatch.value });
  } catch (error) {
    showMessage(`Not fine-tuning: ${errorText(error)}`);
    throw error;
  }
  const firstStep = lossHistory.length;
  const request = e.call<'fine-tune'>({ type: 'fine-tune', ...settings });
  run = { id: request.id, steps: settings.steps, stepsSeen: 0 };
  setControls(true);
  ui.ftStatus.textContent = `Fine-tuning on ${activeBackend}…`;
  try {
    const result = await request;
    stepsTrained = result.totalSteps;
    drawLossChart(ui.chart, { losses: lossHistory, ...(referenceLoss === undefined ? {} : { reference: referenceLoss }) });
    ui.ftStatus.textContent =
      `${result.losses.length} step${result.losses.length === 1 ? '' : 's'}${result.losses.length ? ` (${firstStep + 1}–${lossHistory.length})` : ''} in ${(result.ms / 1000).toFixed(1)} s on ${result.backend}${result.stopped ? ', stopped' : ''}; ` +
      `loss on the whole sample (dropout off) ${result.sampleLossBefore.toFixed(4)} → ${result.sampleLossAfter.toFixed(4)}.`;
    window.demo.lastFineTune = result;
    showMessage(undefined);
    return result;
  } catch (error) {
    showMessage(`Fine-tuning failed: ${errorText(error)}`);
    ui.ftStatus.textContent = '';
    throw error;
  } finally {
    run = undefined;
    setControls(true);
    await predict().catch(() => undefined);
  }
}

/** The Stop button's handler: the shared flag stops the run before its next step; the message is the fallback. */
function stop(): void {
  if (!run || !engine) return;
  window.demo.lastStop = { at: sharedNow(), run: run.id, stepsSeen: run.stepsSeen };
  if (stopFlag) Atomics.store(stopFlag, 0, run.id);
  ui.ftStop.disabled = true;
  ui.ftStatus.textContent = `Stopping after step ${run.stepsSeen + 1}…`;
  void engine.call<'stop'>({ type: 'stop', run: run.id }).catch(() => undefined);
}

async function reset(): Promise<void> {
  if (!engine || !info) return;
  await engine.call<'reset'>({ type: 'reset' });
  lossHistory = [];
  referenceLoss = undefined;
  stepsTrained = stepsDownloaded = 0;
  drawLossChart(ui.chart, { losses: [] });
  ui.ftStatus.textContent = 'Weights reset to the loaded model.';
  await predict().catch(() => undefined);
}

/** "Download weights": the current model as a tar of an exported tagger directory. */
async function download(): Promise<void> {
  if (!engine || !info) return;
  try {
    const steps = stepsTrained;
    const r = await engine.call<'download'>({ type: 'download' });
    const url = URL.createObjectURL(new Blob([r.bytes as BlobPart], { type: 'application/x-tar' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: r.fileName });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    stepsDownloaded = steps;
    ui.ftStatus.textContent = `Downloaded ${r.fileName} (${r.files.join(', ')}): unpack it with tar -xf and load the folder with npm run demo -- --model DIR or trax-ner predict --model DIR.`;
  } catch (error) {
    showMessage(`The download failed: ${errorText(error)}`);
  }
}

/** Where the engine runs: a worker unless `?thread=main`, or the worker cannot start or cannot run webgl. */
async function startEngine(asked: BackendName | undefined): Promise<{ client: EngineClient; caps: Capabilities; note?: string }> {
  const hello = async (client: EngineClient): Promise<Capabilities> =>
    client.call<'hello'>({ type: 'hello', ...(stopFlag ? { stopFlag: stopFlag.buffer } : {}) });
  if (params.get('thread') !== 'main') {
    let worker: EngineClient | undefined;
    try {
      worker = EngineClient.inWorker(new URL('./worker.js', import.meta.url));
      const caps = await hello(worker);
      // Without ?backend the worker picks wasm where it has no webgl (responsive beats fast); webgl asked for runs
      // on the main thread then.
      if (asked !== 'webgl' || caps.webgl) return { client: worker, caps };
      worker.terminate();
      const main = await EngineClient.onMainThread();
      return {
        client: main,
        caps: await hello(main),
        note: 'This browser cannot run webgl in a worker (no WebGL2 through OffscreenCanvas), so the model runs on the page’s main thread: the page may freeze while it tags or fine-tunes. Choose wasm to keep it responsive.',
      };
    } catch (error) {
      worker?.terminate();
      const main = await EngineClient.onMainThread();
      return {
        client: main,
        caps: await hello(main),
        note: `The worker could not start (${errorText(error)}), so the model runs on the page’s main thread: the page may freeze while it tags or fine-tunes.`,
      };
    }
  }
  const main = await EngineClient.onMainThread();
  return {
    client: main,
    caps: await hello(main),
    note: 'Running on the page’s main thread (?thread=main): the page may freeze while it tags or fine-tunes.',
  };
}

/** True for a software WebGL renderer (SwiftShader, llvmpipe): there wasm is much faster than webgl. */
function isSoftwareRenderer(renderer: string | null): boolean {
  return renderer !== null && /swiftshader|llvmpipe|software|softpipe/i.test(renderer);
}

function firstBackend(caps: Capabilities, asked: BackendName | undefined): BackendName {
  if (asked) return asked;
  return caps.renderer === null || isSoftwareRenderer(caps.renderer) ? 'wasm' : 'webgl';
}

async function start(): Promise<void> {
  ui.isolation.textContent = isolationText(undefined);
  const askedParam = params.get('backend');
  const asked = askedParam !== null && BACKENDS.includes(askedParam as BackendName) ? (askedParam as BackendName) : undefined;
  setStatus('loading', 'Starting the worker…');
  const started = await startEngine(asked);
  engine = started.client;
  capabilities = started.caps;
  engine.onProgress(onProgress);
  window.demo.thread = engine.thread;
  ui.threadNote.hidden = started.note === undefined;
  ui.threadNote.textContent = started.note ?? '';
  ui.threadNote.dataset['thread'] = engine.thread;

  const backend = firstBackend(capabilities, asked);
  setStatus('loading', `Starting the ${backend} backend…`);
  try {
    const r = await engine.call<'set-backend'>({ type: 'set-backend', backend });
    showBackend(r);
  } catch (error) {
    const fallback: BackendName = backend === 'wasm' ? 'cpu' : 'wasm';
    showMessage(`The ${backend} backend could not start (${errorText(error)}); using ${fallback}.`);
    const r = await engine.call<'set-backend'>({ type: 'set-backend', backend: fallback });
    showBackend(r);
  }
  drawLossChart(ui.chart, { losses: [] });

  setStatus('loading', `Loading the model from ${modelUrl}…`);
  try {
    window.demo.loads++;
    const loaded = await engine.call<'load'>({ type: 'load', modelUrl, sampleUrl: new URL('sample.json', location.href).href });
    info = loaded.info;
    sampleLoaded = loaded.sample.ok;
    ui.sampleInfo.textContent = loaded.sample.ok
      ? `Adam steps on ${loaded.sample.sentences} GMB sentences (${loaded.sample.tokens} tokens, IOB2) bundled with the page, on the active backend, in ${engine.thread === 'worker' ? 'a worker (the page stays responsive)' : 'the page’s main thread'}. Dropout is on while training.`
      : `The fine-tuning sample could not be loaded: ${loaded.sample.error}`;
  } catch (error) {
    const message = errorText(error);
    ui.loadError.hidden = false;
    ui.loadErrorMessage.textContent = message;
    ui.loadErrorUrl.textContent = modelUrl;
    setStatus('error', `No model: ${message.split('\n')[0]}`);
    window.demo.status = 'error';
    window.demo.error = message;
    console.warn(`demo: the model at ${modelUrl} could not be loaded: ${message}`);
    return;
  }
  ui.modelInfo.textContent = describeModel(info);
  renderLegend(ui.legend, info.entityTypes);
  setControls(true);
  await predict();
  setStatus('ready', 'Ready: type or paste text, switch the backend, or fine-tune the model.');
  window.demo.status = 'ready';
}

let debounce: ReturnType<typeof setTimeout> | undefined;
ui.text.addEventListener('input', () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => void predict().catch(() => undefined), 250);
});
ui.tag.addEventListener('click', () => void predict().catch(() => undefined));
ui.backend.addEventListener('change', () => void setBackend(ui.backend.value as BackendName));
ui.ftRun.addEventListener('click', () => void fineTune().catch(() => undefined));
ui.ftStop.addEventListener('click', stop);
ui.ftReset.addEventListener('click', () => void reset().catch((error: unknown) => showMessage(errorText(error))));
ui.ftDownload.addEventListener('click', () => void download());
// Fine-tuned weights live only in this page: say so before a reload or a new model discards them.
window.addEventListener('beforeunload', (event) => {
  if (stepsTrained > stepsDownloaded || run !== undefined) {
    event.preventDefault();
    event.returnValue = '';
  }
});

let resolveReady: () => void = () => undefined;
window.demo = {
  status: 'loading',
  modelUrl,
  loads: 0,
  fineTuning: false,
  ready: new Promise<void>((resolve) => (resolveReady = resolve)),
  backend: () => activeBackend,
  setBackend,
  async tag(text) {
    ui.text.value = text;
    const prediction = await predict(true);
    if (!prediction) throw new Error(`no model (${window.demo.error ?? window.demo.status})`);
    return prediction as TagReply & { scores: number[][][] };
  },
  fineTune(options) {
    ui.ftSteps.value = String(options.steps);
    if (options.learningRate !== undefined) ui.ftLr.value = String(options.learningRate);
    if (options.batchSize !== undefined) ui.ftBatch.value = String(options.batchSize);
    return fineTune();
  },
  reset,
  unsavedSteps: () => stepsTrained - stepsDownloaded,
  stepsSeen: () => run?.stepsSeen ?? 0,
  async numTensors() {
    if (!engine) return 0;
    return (await engine.call<'memory'>({ type: 'memory' })).numTensors;
  },
};

start()
  .catch((error: unknown) => {
    const message = errorText(error);
    setStatus('error', `The demo could not start: ${message}`);
    window.demo.status = 'error';
    window.demo.error = message;
    console.error(error);
  })
  .finally(() => resolveReady());
