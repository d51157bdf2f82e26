/**
 * The demo page (recipes/demo/index.html): loads an exported NER tagger, tags the text as it is typed and
 * highlights the entities, switches the tfjs backend at run time (webgl, wasm, cpu) without reloading the page or
 * the model, and fine-tunes the loaded model (every member of an ensemble) on a bundled GMB sample while plotting
 * the loss.
 *
 * The model directory is `?model=URL` (relative to the page), by default `../model/`, where `npm run demo`
 * serves the directory given with `--model`. `?backend=webgl|wasm|cpu` picks the first backend; by default
 * webgl, unless WebGL is missing or software-rendered (there wasm is much faster).
 *
 * `window.demo` is the hook the browser tests drive (the same code paths as the controls).
 */
import type { BackendName } from '../../browser/entry.js';
import { drawLossChart } from './chart.js';
import {
  backendDetails,
  DemoModel,
  type FineTuneResult,
  isSoftwareRenderer,
  type Prediction,
  type SampleSentence,
  switchBackend,
  trax,
  webglRenderer,
} from './model.js';
import { renderEntityTable, renderHighlights, renderLegend } from './render.js';

const BACKENDS: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

/** The page's state and controls, as the tests see them. */
export interface DemoHook {
  status: 'loading' | 'ready' | 'error';
  /** The load error's message (status 'error'). */
  error?: string;
  readonly modelUrl: string;
  /** How many times the model's files were loaded (1: backend switches and fine-tuning never reload it). */
  loads: number;
  model?: DemoModel;
  lastPrediction?: Prediction;
  lastFineTune?: FineTuneResult;
  /** Resolves once the page is ready or has failed. */
  readonly ready: Promise<void>;
  backend(): string;
  /** Switches as the selector does; resolves to the active backend. */
  setBackend(name: BackendName): Promise<string>;
  /** Puts `text` in the text box and tags it as the Tag button does; adds the model's log-probabilities. */
  tag(text: string): Promise<Prediction & { scores: number[][][] }>;
  /** Sets the fine-tuning controls and runs them as the Fine-tune button does. */
  fineTune(options: { steps: number; learningRate?: number; batchSize?: number }): Promise<FineTuneResult>;
  reset(): Promise<void>;
  numTensors(): number;
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
  loadError: $('load-error'),
  loadErrorMessage: $('load-error-message'),
  loadErrorUrl: $('load-error-url'),
  backend: $<HTMLSelectElement>('backend'),
  activeBackend: $('active-backend'),
  timing: $('timing'),
  modelUrl: $<HTMLInputElement>('model-url'),
  message: $('message'),
  text: $<HTMLTextAreaElement>('text'),
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
  ftStatus: $('ft-status'),
  chart: document.getElementById('loss-chart') as unknown as SVGSVGElement,
  isolation: $('isolation'),
};

const params = new URLSearchParams(location.search);
const modelParam = params.get('model') ?? '../model/';
const modelUrl = new URL(modelParam.endsWith('/') ? modelParam : `${modelParam}/`, location.href).href;
ui.modelUrl.value = modelParam;

let model: DemoModel | undefined;
let sample: SampleSentence[] | undefined;
/** Fine-tuning losses since the model was loaded or reset, and the sample loss before the first run. */
let lossHistory: number[] = [];
let referenceLoss: number | undefined;
let stopRequested = false;

// One thing at a time: a backend switch, a prediction or a fine-tuning run never interleave.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(task: () => Promise<T> | T): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

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

function setControls(enabled: boolean, training = false): void {
  ui.backend.disabled = !enabled || training;
  ui.text.disabled = !enabled;
  ui.tag.disabled = !enabled || training;
  ui.ftRun.disabled = !enabled || training || !sample;
  ui.ftReset.disabled = !enabled || training;
  ui.ftStop.disabled = !training;
}

async function showBackend(): Promise<void> {
  ui.activeBackend.textContent = await backendDetails();
  ui.backend.value = trax.currentBackend();
}

function describeModel(m: DemoModel): string {
  const { members, config, words, tags, entityTypes, weights, decoding, metadata, url } = m.info;
  const parts = [
    `${members > 1 ? `ensemble of ${members} taggers (the first: ` : ''}${config.nLayers} block${config.nLayers === 1 ? '' : 's'}, width ${config.dModel}, ${config.attention} attention${config.reversible ? ', reversible' : ''}${config.bilstm ? ', BiLSTM' : ''}${members > 1 ? ')' : ''}`,
    [config.charFeatures ? 'character CNN' : '', config.wordShapes ? 'word shapes' : ''].filter(Boolean).join(' + ') || 'words only',
    `${decoding} decoding`,
    `${words.toLocaleString('en')} words, ${tags.length} tags (${entityTypes.join(', ')})`,
    `${weights.toLocaleString('en')} weights`,
  ];
  const facts = ['step', 'devF1', 'testF1']
    .filter((k) => typeof metadata[k] === 'number')
    .map((k) => `${k === 'step' ? 'step' : k === 'devF1' ? 'dev F1' : 'test F1'} ${k === 'step' ? metadata[k] : (metadata[k] as number).toFixed(3)}`);
  return `Model ${new URL(url).pathname}: ${parts.join('; ')}${facts.length ? `; ${facts.join(', ')}` : ''}.`;
}

/** Tags the text box's text and draws the result. */
function predictNow(): Prediction {
  const m = model!;
  const text = ui.text.value;
  const prediction = m.predict(text);
  renderHighlights(ui.output, text, prediction.sentences);
  renderEntityTable(ui.entityRows, prediction.sentences);
  const tokens = prediction.sentences.reduce((n, s) => n + s.tokens.length, 0);
  const n = prediction.sentences.length;
  ui.timing.textContent = `${prediction.ms.toFixed(1)} ms on ${prediction.backend} (${n} sentence${n === 1 ? '' : 's'}, ${tokens} token${tokens === 1 ? '' : 's'})`;
  window.demo.lastPrediction = prediction;
  return prediction;
}

function predict(): Promise<Prediction | undefined> {
  return exclusive(() => {
    if (!model) return undefined;
    try {
      const p = predictNow();
      showMessage(undefined);
      return p;
    } catch (error) {
      showMessage(`Tagging failed: ${errorText(error)}`);
      throw error;
    }
  });
}

/** Switches the backend (the selector's handler); on failure stays on the previous one and says why. */
function setBackend(name: BackendName): Promise<string> {
  return exclusive(async () => {
    const previous = trax.currentBackend();
    ui.backend.disabled = true;
    ui.activeBackend.textContent = `switching to ${name}…`;
    try {
      await switchBackend(name);
      showMessage(undefined);
    } catch (error) {
      showMessage(`The ${name} backend could not start (${errorText(error)}); staying on ${previous}.`);
      if (BACKENDS.includes(previous as BackendName)) await switchBackend(previous as BackendName).catch(() => undefined);
    } finally {
      ui.backend.disabled = !model;
      await showBackend();
    }
    if (model) predictNow();
    return trax.currentBackend();
  });
}

function readNumber(input: HTMLInputElement, name: string, integer: boolean): number {
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got '${input.value}'`);
  }
  return value;
}

/** The Fine-tune button's handler: reads the controls, trains, plots, re-tags. */
function fineTune(): Promise<FineTuneResult> {
  return exclusive(async () => {
    const m = model;
    if (!m || !sample) throw new Error('fine-tuning needs a loaded model and the sample');
    let steps: number;
    let learningRate: number;
    let batchSize: number;
    try {
      steps = readNumber(ui.ftSteps, 'Steps', true);
      learningRate = readNumber(ui.ftLr, 'The learning rate', false);
      batchSize = readNumber(ui.ftBatch, 'The batch size', true);
    } catch (error) {
      showMessage(errorText(error));
      throw error;
    }
    stopRequested = false;
    setControls(true, true);
    const firstStep = lossHistory.length;
    ui.ftStatus.textContent = `Fine-tuning on ${trax.currentBackend()}…`;
    try {
      const result = await m.fineTune(sample, {
        steps,
        learningRate,
        batchSize,
        shouldStop: () => stopRequested,
        onStart: (sampleLossBefore) => {
          referenceLoss ??= sampleLossBefore;
          drawLossChart(ui.chart, { losses: lossHistory, reference: referenceLoss });
        },
        onStep: (step, loss) => {
          lossHistory.push(loss);
          drawLossChart(ui.chart, { losses: lossHistory, ...(referenceLoss === undefined ? {} : { reference: referenceLoss }) });
          ui.ftStatus.textContent = `Step ${step} of ${steps} on ${trax.currentBackend()}: loss ${loss.toFixed(4)}`;
        },
      });
      drawLossChart(ui.chart, { losses: lossHistory, reference: referenceLoss });
      ui.ftStatus.textContent =
        `${result.losses.length} step${result.losses.length === 1 ? '' : 's'} (${firstStep + 1}–${lossHistory.length}) in ${(result.ms / 1000).toFixed(1)} s on ${result.backend}; ` +
        `loss on the whole sample (dropout off) ${result.sampleLossBefore.toFixed(4)} → ${result.sampleLossAfter.toFixed(4)}.`;
      window.demo.lastFineTune = result;
      showMessage(undefined);
      predictNow();
      return result;
    } catch (error) {
      showMessage(`Fine-tuning failed: ${errorText(error)}`);
      ui.ftStatus.textContent = '';
      throw error;
    } finally {
      setControls(true, false);
    }
  });
}

function reset(): Promise<void> {
  return exclusive(() => {
    model?.reset();
    lossHistory = [];
    referenceLoss = undefined;
    drawLossChart(ui.chart, { losses: [] });
    ui.ftStatus.textContent = 'Weights reset to the loaded model.';
    if (model) predictNow();
  });
}

function firstBackend(): BackendName {
  const asked = params.get('backend');
  if (asked !== null && BACKENDS.includes(asked as BackendName)) return asked as BackendName;
  const renderer = webglRenderer();
  return renderer === null || isSoftwareRenderer(renderer) ? 'wasm' : 'webgl';
}

async function loadSample(): Promise<void> {
  try {
    const response = await fetch('sample.json');
    if (!response.ok) throw new Error(`HTTP ${response.status} for sample.json`);
    const json = (await response.json()) as { sentences?: SampleSentence[]; description?: string };
    if (!Array.isArray(json.sentences) || json.sentences.length === 0) throw new Error('sample.json has no sentences');
    sample = json.sentences;
    const tokens = sample.reduce((n, s) => n + s.words.length, 0);
    ui.sampleInfo.textContent = `Adam steps on ${sample.length} GMB sentences (${tokens} tokens, IOB2) bundled with the page, on the active backend. Dropout is on while training.`;
  } catch (error) {
    ui.sampleInfo.textContent = `The fine-tuning sample could not be loaded: ${errorText(error)}`;
  }
}

async function start(): Promise<void> {
  ui.isolation.textContent = globalThis.crossOriginIsolated ? 'Cross-origin isolated: wasm may use threads.' : 'Not cross-origin isolated: wasm runs single-threaded.';
  const backend = firstBackend();
  setStatus('loading', `Starting the ${backend} backend…`);
  try {
    await switchBackend(backend);
  } catch (error) {
    showMessage(`The ${backend} backend could not start (${errorText(error)}); using wasm.`);
    await switchBackend(backend === 'wasm' ? 'cpu' : 'wasm');
  }
  await showBackend();
  drawLossChart(ui.chart, { losses: [] });

  setStatus('loading', `Loading the model from ${modelUrl}…`);
  const samplePromise = loadSample();
  try {
    window.demo.loads++;
    model = await DemoModel.load(modelUrl);
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
  window.demo.model = model;
  await samplePromise;
  ui.modelInfo.textContent = describeModel(model);
  renderLegend(ui.legend, model.info.entityTypes);
  setControls(true);
  predictNow();
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
ui.ftStop.addEventListener('click', () => {
  stopRequested = true;
});
ui.ftReset.addEventListener('click', () => void reset());

let resolveReady: () => void = () => undefined;
window.demo = {
  status: 'loading',
  modelUrl,
  loads: 0,
  ready: new Promise<void>((resolve) => (resolveReady = resolve)),
  backend: () => trax.currentBackend(),
  setBackend,
  async tag(text) {
    ui.text.value = text;
    const prediction = await predict();
    if (!prediction) throw new Error(`no model (${window.demo.error ?? window.demo.status})`);
    const scores = await exclusive(() => model!.scores(text));
    return { ...prediction, scores };
  },
  fineTune(options) {
    ui.ftSteps.value = String(options.steps);
    if (options.learningRate !== undefined) ui.ftLr.value = String(options.learningRate);
    if (options.batchSize !== undefined) ui.ftBatch.value = String(options.batchSize);
    return fineTune();
  },
  reset,
  numTensors: () => trax.tf.memory().numTensors,
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
