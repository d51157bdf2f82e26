/**
 * The NER demo page (recipes/demo/) in Chromium: a tiny tagger is trained in Node (a few seconds on wasm) and
 * exported with `exportTagger`; the static server serves it beside two broken copies; the page loads it, tags text
 * on webgl, wasm and cpu (same entities and log-probabilities as each other and as Node), switches backends
 * mid-session without reloading the model, fine-tunes on webgl, loads, tags and fine-tunes CRF taggers and ensembles,
 * reports broken model directories in the page, and
 * the test writes a screenshot of the demo: to build/screenshots/demo.png, and to docs/images/demo.png (the one the
 * README shows) when UPDATE_SCREENSHOTS=1, so that an ordinary test run leaves the repository clean.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { exportTagger, loadTaggerFromDirectory } from '../../src/ner/export/node_files.js';
import { NerTagger as NerTaggerClass, type NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { type BrowserSession, describeInBrowser, STALL_GUARD_MS, startBrowserSession } from './harness.js';
import { nodeScores, trainTinyTagger, writeModelDirectories } from './tiny_tagger.js';

const repoRoot = resolve(__dirname, '..', '..');
const SCREENSHOT =
  process.env['UPDATE_SCREENSHOTS'] === '1'
    ? join(repoRoot, 'docs', 'images', 'demo.png')
    : join(repoRoot, 'build', 'screenshots', 'demo.png');
/** A model trained by the recipe, used for the screenshot when present (the tests never need it). */
const TRAINED_MODEL = ['runs/ner/model', 'runs/ner-best/model']
  .map((d) => join(repoRoot, d))
  .find((d) => existsSync(join(d, 'tagger.json')));

const TEXT =
  'Prime Minister Gordon Brown met President George Bush in Washington on Tuesday. ' +
  'The United Nations said Iran must stop its nuclear program, officials in New York said on Monday.';

interface Entity {
  text: string;
  type: string;
  start: number;
  end: number;
  confidence: number;
}
interface PagePrediction {
  text: string;
  backend: string;
  ms: number;
  warmUp: boolean;
  duringFineTune?: { step: number };
  sentences: Array<{ tags: string[]; entities: Entity[] }>;
  scores: number[][][];
}
interface FineTune {
  backend: string;
  losses: number[];
  sampleLossBefore: number;
  sampleLossAfter: number;
  ms: number;
  totalSteps: number;
  stepEndedAt: number[];
  stopped: boolean;
  records: Array<{ step: number; mode: string; name: string; value: number }>;
}
type DemoWindow = {
  demo: {
    status: string;
    error?: string;
    thread?: 'worker' | 'main';
    loads: number;
    ready: Promise<void>;
    fineTuning: boolean;
    backend(): string;
    tag(text: string): Promise<PagePrediction>;
    fineTune(o: { steps: number | string; learningRate?: number | string; batchSize?: number | string }): Promise<FineTune>;
    reset(): Promise<void>;
    numTensors(): Promise<number>;
    stepsSeen(): number;
    unsavedSteps(): number;
    lastPrediction?: PagePrediction;
    lastFineTune?: FineTune;
    lastStop?: { at: number; run: number; stepsSeen: number };
  };
  /** The run a test started without waiting for it (see startFineTune). */
  run?: Promise<FineTune | { error: string }>;
  /** What the click probe saw (see probeClicks). */
  clicks?: Array<{ latency: number; fineTuning: boolean; step: number }>;
};

/** Opens the demo with `query` and waits until it is ready or has failed; returns the page and its state. */
async function openDemo(session: BrowserSession, query: string): Promise<{ page: Page; status: string; error?: string }> {
  const page = await session.openPage(`demo/?${query}`);
  await page.waitForFunction(() => (window as unknown as Partial<DemoWindow>).demo?.ready !== undefined, undefined, {
    timeout: STALL_GUARD_MS,
  });
  const state = await page.evaluate(async () => {
    const { demo } = window as unknown as DemoWindow;
    await demo.ready;
    return { status: demo.status, ...(demo.error === undefined ? {} : { error: demo.error }) };
  });
  return { page, ...state };
}

/** Waits (polling) until `fn(arg)` is true in the page: a hang guard of minutes, no speed limit. */
async function waitInPage<A>(page: Page, fn: (arg: A) => unknown, arg: A): Promise<void> {
  await page.waitForFunction(fn as (arg: unknown) => unknown, arg, { timeout: STALL_GUARD_MS, polling: 100 });
}

/** Starts fine-tuning through the page's hook without waiting for it; `window.run` is its outcome. */
async function startFineTune(page: Page, options: { steps: number; learningRate: number; batchSize: number }): Promise<void> {
  await page.evaluate((o) => {
    const w = window as unknown as DemoWindow;
    w.run = w.demo.fineTune(o).catch((e: Error) => ({ error: e.message }));
  }, options);
  await waitInPage(page, () => (window as unknown as DemoWindow).demo.stepsSeen() >= 1, undefined);
}

/** The run started by startFineTune, once it ended (fails the test if it failed). */
async function runOutcome(page: Page): Promise<FineTune> {
  const r = await page.evaluate(() => (window as unknown as DemoWindow).run!);
  if ('error' in r) throw new Error(`fine-tuning failed in the page: ${r.error}`);
  return r;
}

/**
 * Clicks `selector` `n` times with the mouse (real input events, dispatched whether or not the page is busy), and
 * returns, for each click, the latency the page measured itself: from the event's creation (`event.timeStamp`) to
 * its handler (`performance.now()`), both on the page's clock; and whether fine-tuning was running then.
 */
async function probeClicks(
  page: Page,
  selector: string,
  n: number,
): Promise<Array<{ latency: number; fineTuning: boolean; step: number }>> {
  const target = page.locator(selector);
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  await page.evaluate((sel) => {
    const w = window as unknown as DemoWindow;
    w.clicks = [];
    document.querySelector(sel)!.addEventListener('click', (event) => {
      w.clicks!.push({ latency: performance.now() - event.timeStamp, fineTuning: w.demo.fineTuning, step: w.demo.stepsSeen() });
    });
  }, selector);
  for (let i = 0; i < n; i++) {
    await page.mouse.click(box.x + Math.min(20, box.width / 2), box.y + box.height / 2);
    await page.waitForTimeout(150);
  }
  await waitInPage(page, (k) => ((window as unknown as DemoWindow).clicks?.length ?? 0) >= k, n);
  return page.evaluate(() => (window as unknown as DemoWindow).clicks!);
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The largest absolute difference between two nested arrays of numbers of the same shape (Infinity if not). */
function maxDiff(a: number[][][], b: number[][][]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((sa, i) => {
    if (sa.length !== b[i]!.length) worst = Infinity;
    sa.forEach((row, t) => {
      if (row.length !== b[i]![t]!.length) worst = Infinity;
      row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![t]![j]!))));
    });
  });
  return worst;
}

/** Entities without their confidence (compared separately, within a tolerance). */
const spans = (sentences: PagePrediction['sentences']): string[][] =>
  sentences.map((s) => s.entities.map((e) => `${e.type}:${e.start}-${e.end}:${e.text}`));

describeInBrowser('the NER demo page in Chromium', () => {
  let session: BrowserSession;
  let page: Page;
  let tagger: NerTagger;
  let modelRoot: string;
  const modelRequests: string[] = [];
  const started = Date.now();

  /** Selects a backend in the page's selector, as a person would, and waits for the switch to finish. */
  async function selectBackend(name: string): Promise<void> {
    await page.selectOption('#backend', name);
    await page.waitForFunction(
      (n) => {
        const w = window as unknown as DemoWindow;
        const active = document.getElementById('active-backend')?.textContent ?? '';
        return w.demo.backend() === n && active.startsWith(n) && !(document.getElementById('backend') as HTMLSelectElement).disabled;
      },
      name,
      { timeout: STALL_GUARD_MS },
    );
  }

  const tag = (text: string): Promise<PagePrediction> => page.evaluate((t) => (window as unknown as DemoWindow).demo.tag(t), text);

  beforeAll(async () => {
    let t = Date.now();
    const trained = await trainTinyTagger({ sentences: 1200, steps: 150 });
    tagger = trained.tagger;
    modelRoot = mkdtempSync(join(tmpdir(), 'trax-demo-models-'));
    await writeModelDirectories(tagger, modelRoot, { corpus: 'ner_dataset.csv.gz (first 1200 sentences)', step: 150 });
    const nodeMs = Date.now() - t;
    session = await startBrowserSession({ mounts: { '/models/': modelRoot, ...(TRAINED_MODEL ? { '/model/': TRAINED_MODEL } : {}) } });
    session.timings['nodeTaggerMs'] = nodeMs;
    t = Date.now();
    const opened = await openDemo(session, 'model=../models/good/&backend=webgl');
    page = opened.page;
    page.on('request', (r: Request) => {
      if (r.url().includes('/models/good/')) modelRequests.push(r.url());
    });
    session.timings['demoLoadMs'] = Date.now() - t;
    if (opened.status !== 'ready') throw new Error(`the demo did not load the model: ${opened.error}\n${session.errors.join('\n')}`);
  });

  afterAll(async () => {
    if (session) {
      session.timings['totalMs'] = Date.now() - started;
      console.log(`demo test timings: ${JSON.stringify(session.timings)}`);
      await session.close();
    }
    if (modelRoot) rmSync(modelRoot, { recursive: true, force: true });
  });

  test('the page loads the exported model with no console errors, and shows entities, legend and timing', async () => {
    const shown = await page.evaluate(() => ({
      crossOriginIsolated: globalThis.crossOriginIsolated,
      status: document.getElementById('status')!.textContent,
      modelInfo: document.getElementById('model-info')!.textContent,
      legend: [...document.querySelectorAll<HTMLElement>('#legend .legend-item')].map((e) => e.dataset['type']),
      marks: [...document.querySelectorAll<HTMLElement>('#output mark.entity')].map((m) => m.dataset['type']),
      markColors: [...document.querySelectorAll<HTMLElement>('#output mark.entity')].map((m) => getComputedStyle(m).backgroundColor),
      active: document.getElementById('active-backend')!.textContent,
      timing: document.getElementById('timing')!.textContent,
      warmUp: document.getElementById('timing')!.dataset['warmUp'],
      loadErrorHidden: document.getElementById('load-error')!.hidden,
      threadNoteHidden: document.getElementById('thread-note')!.hidden,
      loads: (window as unknown as DemoWindow).demo.loads,
      thread: (window as unknown as DemoWindow).demo.thread,
    }));
    expect(session.errorsOf(page)).toEqual([]);
    expect(shown.crossOriginIsolated).toBe(true);
    expect(shown.status).toMatch(/^Ready/);
    expect(shown.loadErrorHidden).toBe(true);
    expect(shown.modelInfo).toContain('1 Reformer block (local attention, radius 8), width 32');
    expect(new Set(shown.legend)).toEqual(new Set(tagger.vocabs.tags.knownTags.filter((t) => t !== 'O').map((t) => t.slice(2))));
    expect(shown.marks.length).toBeGreaterThan(0);
    // One colour per type.
    const colorOf = new Map<string, string>();
    shown.marks.forEach((type, i) => {
      expect(colorOf.get(type!) ?? shown.markColors[i]).toBe(shown.markColors[i]);
      colorOf.set(type!, shown.markColors[i]!);
    });
    expect(new Set(colorOf.values()).size).toBe(colorOf.size);
    expect(shown.active).toMatch(/^webgl \(WebGL 2\)/);
    expect(shown.timing).toMatch(/^\d+(\.\d)? ms on webgl/);
    // The model runs in the worker, webgl included (OffscreenCanvas); the first webgl prediction is the warm-up.
    expect(shown.thread).toBe('worker');
    expect(shown.threadNoteHidden).toBe(true);
    expect(shown.warmUp).toBe('true');
    expect(shown.timing).toContain('warm-up: the first webgl prediction compiles its shaders');
    expect(shown.loads).toBe(1);
  });

  test('the same text on webgl, wasm and cpu gives the same entities as each other and as Node (log-probabilities within 1e-3)', async () => {
    const results: Record<string, PagePrediction> = {};
    for (const backend of ['webgl', 'wasm', 'cpu']) {
      await selectBackend(backend);
      results[backend] = await tag(TEXT);
      expect(results[backend].backend).toBe(backend);
      // Only the first webgl prediction (at load) is a warm-up.
      expect([backend, results[backend].warmUp]).toEqual([backend, false]);
    }
    const inNode = tagger.tag(TEXT).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) }));
    const nodeScoresOfText = nodeScores(tagger, TEXT);
    const reference = spans(inNode);
    expect(reference.flat().length).toBeGreaterThan(0);
    const report: string[] = [];
    for (const [backend, r] of Object.entries(results)) {
      expect([backend, spans(r.sentences)]).toEqual([backend, reference]);
      expect([backend, r.sentences.map((s) => s.tags)]).toEqual([backend, inNode.map((s) => s.tags)]);
      const diff = maxDiff(r.scores, nodeScoresOfText);
      const confidenceDiff = Math.max(
        ...r.sentences.flatMap((s, i) => s.entities.map((e, k) => Math.abs(e.confidence - inNode[i]!.entities[k]!.confidence))),
      );
      report.push(
        `${backend}: max |log p - Node's| ${diff.toExponential(1)}, confidence ${confidenceDiff.toExponential(1)}, ${r.ms.toFixed(1)} ms`,
      );
      expect([backend, diff <= 1e-3]).toEqual([backend, true]);
      expect([backend, confidenceDiff <= 1e-3]).toEqual([backend, true]);
    }
    expect(maxDiff(results['webgl']!.scores, results['cpu']!.scores)).toBeLessThanOrEqual(1e-3);
    expect(maxDiff(results['wasm']!.scores, results['cpu']!.scores)).toBeLessThanOrEqual(1e-3);
    console.log(`demo predictions against Node:\n  ${report.join('\n  ')}\n  entities: ${reference.flat().join(', ')}`);
  });

  test('switching webgl -> wasm -> webgl mid-session keeps working, typing re-tags, and the model is never reloaded', async () => {
    const requestsBefore = modelRequests.length;
    const texts = [
      'Angela Merkel visited Paris on Friday.',
      'The European Union met in Brussels in March.',
      'Vladimir Putin spoke in Moscow on Sunday.',
    ];
    const seen: string[] = [];
    for (const [i, backend] of ['webgl', 'wasm', 'webgl'].entries()) {
      await selectBackend(backend);
      await page.fill('#text', texts[i]!);
      await page.waitForFunction(
        ([t, b]) => {
          const last = (window as unknown as DemoWindow).demo.lastPrediction;
          return last?.text === t && last.backend === b;
        },
        [texts[i]!, backend] as const,
        { timeout: STALL_GUARD_MS },
      );
      const shown = await page.evaluate(() => ({
        output: document.getElementById('output')!.textContent,
        timing: document.getElementById('timing')!.textContent,
      }));
      expect(shown.timing).toContain(`ms on ${backend}`);
      expect(shown.output).toContain(texts[i]!.split(' ')[1]);
      const r = await tag(texts[i]!);
      expect(spans(r.sentences)).toEqual(
        spans(tagger.tag(texts[i]!).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) }))),
      );
      seen.push(`${backend}: ${spans(r.sentences).flat().join(', ') || '(no entities)'}`);
    }
    console.log(`backend switching:\n  ${seen.join('\n  ')}`);
    expect(await page.evaluate(() => (window as unknown as DemoWindow).demo.loads)).toBe(1);
    expect(modelRequests.slice(requestsBefore)).toEqual([]);
    expect(session.errorsOf(page)).toEqual([]);
  });

  test('fine-tuning on webgl lowers the loss, plots it, leaks no tensors, and the page keeps tagging', async () => {
    await selectBackend('webgl');
    const tensorsBefore = await page.evaluate(() => (window as unknown as DemoWindow).demo.numTensors());
    const t = Date.now();
    const r = await page.evaluate(() => (window as unknown as DemoWindow).demo.fineTune({ steps: 6, learningRate: 3e-3, batchSize: 48 }));
    session.timings['fineTuneWebglMs'] = Date.now() - t;
    console.log(
      `fine-tuning on webgl: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}; sample loss ${r.sampleLossBefore.toFixed(4)} -> ${r.sampleLossAfter.toFixed(4)} in ${Math.round(r.ms)} ms`,
    );
    expect(r.backend).toBe('webgl');
    expect(r.losses.length).toBe(6);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(r.losses[5]!).toBeLessThan(r.losses[0]!);
    expect(r.sampleLossAfter).toBeLessThan(r.sampleLossBefore);
    const chart = await page.evaluate(() => ({
      points: document.querySelectorAll('#loss-chart circle.loss-point').length,
      reference: document.querySelectorAll('#loss-chart line.reference').length,
      status: document.getElementById('ft-status')!.textContent,
    }));
    expect(chart.points).toBe(6);
    expect(chart.reference).toBe(1);
    // The plotted losses are the library Loop's own metric records (one train-loss record per step, in memory).
    expect(r.records.map((m) => m.value)).toEqual(r.losses);
    expect(r.records.map((m) => m.mode)).toEqual(Array(6).fill('train'));
    expect(chart.status).toMatch(/6 steps .* on webgl; loss on the whole sample/);
    // The Adam moments stay (for the next run), and a CRF model keeps its trained transition scores (3 tensors, with
    // their moments); nothing else may be left behind.
    const weights = tagger.model.weights;
    const nWeights = (await import('../../src/core/tensor_tree.js')).treeLeaves(weights).length;
    const nCrfWeights = tagger.crf ? 3 : 0;
    const tensorsAfter = await page.evaluate(() => (window as unknown as DemoWindow).demo.numTensors());
    expect(tensorsAfter - tensorsBefore).toBeLessThanOrEqual(2 * nWeights + 3 * nCrfWeights);
    const after = await tag(TEXT);
    expect(after.backend).toBe('webgl');
    expect(after.sentences.length).toBe(2);
    expect(session.errorsOf(page)).toEqual([]);
  });

  test('while fine-tuning runs (webgl, in the worker) the page handles clicks within 200 ms, and what is typed is tagged between steps', async () => {
    await selectBackend('webgl');
    await startFineTune(page, { steps: 1000, learningRate: 1e-4, batchSize: 48 });
    const clicks = await probeClicks(page, '#entity-details summary', 5);
    const typed = 'Angela Merkel visited Paris on Friday.';
    await page.fill('#text', typed);
    await waitInPage(page, (t) => (window as unknown as DemoWindow).demo.lastPrediction?.text === t, typed);
    const during = await page.evaluate(() => ({
      prediction: (window as unknown as DemoWindow).demo.lastPrediction!,
      timing: document.getElementById('timing')!.textContent,
      note: document.getElementById('text-note')!.textContent,
      fineTuning: (window as unknown as DemoWindow).demo.fineTuning,
    }));
    await page.click('#ft-stop');
    const r = await runOutcome(page);
    console.log(
      `click latencies while fine-tuning on webgl in the worker: ${clicks.map((c) => `${c.latency.toFixed(1)} ms (after step ${c.step})`).join(', ')}; ${r.losses.length} steps of ${(r.ms / r.losses.length / 1000).toFixed(2)} s on average`,
    );
    expect(clicks.length).toBe(5);
    expect(clicks.every((c) => c.fineTuning)).toBe(true);
    expect(during.fineTuning).toBe(true);
    // The median, so that one click the operating system delays on a busy machine does not decide the test.
    expect(median(clicks.map((c) => c.latency))).toBeLessThan(200);
    // Typing during the run: tagged by the worker between two steps, and the page says so.
    expect(during.prediction.duringFineTune?.step).toBeGreaterThanOrEqual(1);
    expect(during.timing).toMatch(/between fine-tuning steps, after step \d+/);
    expect(during.note).toMatch(/tagged between two of its steps/);
    expect(r.stopped).toBe(true);
    expect(r.backend).toBe('webgl');
    expect(session.errorsOf(page)).toEqual([]);
  });

  test('Stop ends the run within one step (wasm, short steps): at most one step ends after the click', async () => {
    await selectBackend('wasm');
    await startFineTune(page, { steps: 1000, learningRate: 1e-4, batchSize: 8 });
    await waitInPage(page, () => (window as unknown as DemoWindow).demo.stepsSeen() >= 3, undefined);
    await page.click('#ft-stop');
    const r = await runOutcome(page);
    const stop = (await page.evaluate(() => (window as unknown as DemoWindow).demo.lastStop))!;
    // Step end times come from the worker on the clock the page stamped the click with (timeOrigin + now()).
    const endedAfterClick = r.stepEndedAt.filter((t) => t > stop.at).length;
    const status = await page.textContent('#ft-status');
    console.log(
      `Stop on wasm: clicked after ${stop.stepsSeen} steps seen, the run ended after ${r.losses.length} (${endedAfterClick} ended after the click); steps of ${(r.ms / r.losses.length).toFixed(0)} ms on average`,
    );
    expect(r.stopped).toBe(true);
    expect(r.losses.length).toBeLessThan(1000);
    expect(r.losses.length).toBeGreaterThanOrEqual(stop.stepsSeen);
    expect(endedAfterClick).toBeLessThanOrEqual(1);
    expect(status).toMatch(/ on wasm, stopped; loss on the whole sample/);
    expect(await page.evaluate(() => (window as unknown as DemoWindow).demo.fineTuning)).toBe(false);
    expect(session.errorsOf(page)).toEqual([]);
  });

  test('out-of-bounds fine-tuning settings are refused in the page with a message, and nothing trains', async () => {
    await selectBackend('wasm');
    const before = await page.evaluate(() => ({
      points: document.querySelectorAll('#loss-chart circle.loss-point').length,
      last: (window as unknown as DemoWindow).demo.lastFineTune?.totalSteps,
    }));
    const cases: Array<[{ steps: number | string; learningRate: number | string; batchSize: number | string }, RegExp]> = [
      [{ steps: 3, learningRate: 50, batchSize: 8 }, /The learning rate must be a number from 0\.000001 to 0\.1, got 50 \(above 0\.1\)/],
      [{ steps: 3, learningRate: 1e-3, batchSize: 500 }, /The batch size must be an integer from 1 to 64, got 500 \(above 64\)/],
      [{ steps: '', learningRate: 1e-3, batchSize: 8 }, /Steps must be an integer from 1 to 1000, got ''/],
      [{ steps: 5000, learningRate: 0, batchSize: 8 }, /Steps .* got 5000 \(above 1000\); The learning rate .* got 0 \(below 0\.000001\)/],
    ];
    for (const [options, expected] of cases) {
      const outcome = await page.evaluate(
        (o) =>
          (window as unknown as DemoWindow).demo.fineTune(o).then(
            () => 'it trained',
            (e: Error) => e.message,
          ),
        options,
      );
      expect(outcome).toMatch(expected);
      expect(await page.textContent('#message')).toMatch(new RegExp(`^Not fine-tuning: .*${expected.source}`));
    }
    const after = await page.evaluate(() => ({
      points: document.querySelectorAll('#loss-chart circle.loss-point').length,
      last: (window as unknown as DemoWindow).demo.lastFineTune?.totalSteps,
    }));
    expect(after).toEqual(before);
    await page.evaluate(() => {
      for (const [id, v] of [
        ['ft-steps', '10'],
        ['ft-lr', '0.001'],
        ['ft-batch', '8'],
      ])
        (document.getElementById(id!) as HTMLInputElement).value = v!;
    });
  });

  test('on the main-thread fallback the page warns, and the same probe sees clicks wait for a step (the measurement is real)', async () => {
    const opened = await openDemo(session, 'model=../models/good/&backend=webgl&thread=main');
    try {
      expect([opened.status, opened.error]).toEqual(['ready', undefined]);
      const note = await opened.page.evaluate(() => ({
        hidden: document.getElementById('thread-note')!.hidden,
        text: document.getElementById('thread-note')!.textContent,
        thread: (window as unknown as DemoWindow).demo.thread,
      }));
      expect(note).toEqual({ hidden: false, text: expect.stringMatching(/main thread.*may freeze/), thread: 'main' });
      await startFineTune(opened.page, { steps: 1000, learningRate: 1e-4, batchSize: 48 });
      const clicks = await probeClicks(opened.page, '#entity-details summary', 3);
      await opened.page.click('#ft-stop');
      const r = await runOutcome(opened.page);
      console.log(
        `click latencies while fine-tuning on webgl on the main thread: ${clicks.map((c) => `${c.latency.toFixed(0)} ms`).join(', ')}; steps of ${(r.ms / r.losses.length / 1000).toFixed(2)} s on average`,
      );
      expect(r.stopped).toBe(true);
      expect(median(clicks.map((c) => c.latency))).toBeGreaterThan(200);
      expect(session.errorsOf(opened.page)).toEqual([]);
    } finally {
      await opened.page.close();
    }
  });

  test('Download weights gives a tar of the fine-tuned tagger that Node loads and tags with as the page does; leaving before it asks first', async () => {
    const downloads = mkdtempSync(join(tmpdir(), 'trax-demo-download-'));
    const opened = await openDemo(session, 'model=../models/good/&backend=wasm');
    const p = opened.page;
    try {
      expect(await p.evaluate(() => (window as unknown as DemoWindow).demo.unsavedSteps())).toBe(0);
      await p.fill('#ft-steps', '4');
      await p.fill('#ft-lr', '0.003');
      await p.fill('#ft-batch', '48');
      await p.click('#ft-run');
      await waitInPage(
        p,
        () => (window as unknown as DemoWindow).demo.lastFineTune !== undefined && !(window as unknown as DemoWindow).demo.fineTuning,
        undefined,
      );
      expect(await p.evaluate(() => (window as unknown as DemoWindow).demo.unsavedSteps())).toBe(4);

      // A reload would discard them: the page asks first; dismissing keeps the page and its fine-tuned model.
      const dialog = p.waitForEvent('dialog');
      void p.evaluate(() => location.reload()).catch(() => undefined);
      const asked = await dialog;
      expect(asked.type()).toBe('beforeunload');
      await asked.dismiss();
      const inPage = await p.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      expect(await p.evaluate(() => (window as unknown as DemoWindow).demo.loads)).toBe(1);

      const download = p.waitForEvent('download');
      await p.click('#ft-download');
      const file = join(downloads, (await download).suggestedFilename());
      await (await download).saveAs(file);
      expect(file).toMatch(/trax-ner-finetuned\.tar$/);
      execFileSync('tar', ['-xf', file, '-C', downloads]);
      const loaded = await loadTaggerFromDirectory(join(downloads, 'trax-ner-finetuned'));
      const inNode = nodeScores(loaded, TEXT);
      expect(maxDiff(inNode, inPage.scores)).toBeLessThanOrEqual(1e-3);
      expect(spans(loaded.tag(TEXT).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) })))).toEqual(
        spans(inPage.sentences),
      );
      // It is the fine-tuned model, not the one the page loaded.
      expect(maxDiff(nodeScores(tagger, TEXT), inPage.scores)).toBeGreaterThan(1e-3);
      expect(await p.textContent('#ft-status')).toMatch(/^Downloaded trax-ner-finetuned\.tar \(tagger\.json, vocabs\.json, weights\.bin\)/);
      expect(await p.evaluate(() => (window as unknown as DemoWindow).demo.unsavedSteps())).toBe(0);

      // Saved: a reload goes ahead without asking.
      let dialogs = 0;
      p.on('dialog', (d) => {
        dialogs++;
        void d.dismiss();
      });
      await p.reload();
      await waitInPage(p, () => (window as unknown as DemoWindow).demo?.status === 'ready', undefined);
      expect(dialogs).toBe(0);
      expect(session.errorsOf(p)).toEqual([]);
    } finally {
      await p.close();
      rmSync(downloads, { recursive: true, force: true });
    }
  });

  test('at 390 px wide the page, its entity table included, fits without horizontal overflow', async () => {
    const opened = await openDemo(session, 'model=../models/good/&backend=wasm');
    const p = opened.page;
    try {
      await p.setViewportSize({ width: 390, height: 844 });
      await p.evaluate(
        (x) => (window as unknown as DemoWindow).demo.tag(x),
        `${TEXT} The North Atlantic Treaty Organization and the International Atomic Energy Agency met in Washington.`,
      );
      await p.evaluate(() => {
        (document.getElementById('entity-details') as HTMLDetailsElement).open = true;
      });
      const m = await p.evaluate(() => {
        const table = document.querySelector('table.entities')!;
        const overflowing = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
          .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`);
        return {
          viewport: document.documentElement.clientWidth,
          scrollWidth: document.documentElement.scrollWidth,
          tableRight: table.getBoundingClientRect().right,
          rows: document.querySelectorAll('#entity-rows tr').length,
          overflowing,
        };
      });
      expect(m.viewport).toBe(390);
      expect(m.rows).toBeGreaterThan(0);
      expect(m.overflowing).toEqual([]);
      expect(m.scrollWidth).toBeLessThanOrEqual(390);
      expect(m.tableRight).toBeLessThanOrEqual(390);
    } finally {
      await p.close();
    }
  });

  test('a model directory without weights.bin, or of a newer format version, is reported in the page', async () => {
    const cases: Array<[string, RegExp[]]> = [
      ['model=../models/no-weights/', [/cannot read the file 'weights\.bin'/, /HTTP 404/]],
      ['model=../models/newer-version/', [/format version 99/, /newer trax-ts/]],
      ['model=../models/absent/', [/cannot read the file 'tagger\.json'/, /HTTP 404/]],
    ];
    for (const [query, patterns] of cases) {
      // The last without ?backend: the page picks wasm, since WebGL here is SwiftShader (software).
      const opened = await openDemo(session, query.includes('absent') ? query : `${query}&backend=cpu`);
      if (query.includes('absent'))
        expect(await opened.page.textContent('#active-backend')).toMatch(/^wasm \(SIMD, threaded, \d+ threads?\)/);
      const shown = await opened.page.evaluate(() => ({
        panelVisible:
          !document.getElementById('load-error')!.hidden && document.getElementById('load-error')!.getBoundingClientRect().height > 0,
        message: document.getElementById('load-error-message')!.textContent,
        heading: document.querySelector('#load-error h2')!.textContent,
        status: document.getElementById('status')!.textContent,
        bodyText: document.body.innerText.length,
      }));
      expect([query, opened.status]).toEqual([query, 'error']);
      expect(shown.panelVisible).toBe(true);
      expect(shown.heading).toBe('The model could not be loaded');
      for (const p of patterns) expect(shown.message).toMatch(p);
      expect(shown.status).toMatch(/^No model: /);
      expect(shown.bodyText).toBeGreaterThan(200);
      // The only errors: the missing file's 404 (which Chromium also logs on the console).
      expect(session.errorsOf(opened.page).filter((e) => !/404/.test(e))).toEqual([]);
      await opened.page.close();
    }
  });

  test('a CRF tagger loads, tags as in Node, and fine-tunes its transition scores with the model (wasm)', async () => {
    const t = Date.now();
    const crf = await trainTinyTagger({ sentences: 400, steps: 30, crf: true });
    await exportTagger(crf.tagger, join(modelRoot, 'crf'));
    session.timings['crfNodeMs'] = Date.now() - t;
    const opened = await openDemo(session, 'model=../models/crf/&backend=wasm');
    try {
      expect([opened.status, opened.error]).toEqual(['ready', undefined]);
      expect(await opened.page.textContent('#model-info')).toContain('crf decoding');
      const before = await opened.page.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      const inNode = crf.tagger.tag(TEXT).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) }));
      expect(spans(before.sentences)).toEqual(spans(inNode));
      expect(maxDiff(before.scores, nodeScores(crf.tagger, TEXT))).toBeLessThanOrEqual(1e-3);
      const r = await opened.page.evaluate(() =>
        (window as unknown as DemoWindow).demo.fineTune({ steps: 4, learningRate: 3e-3, batchSize: 48 }),
      );
      console.log(
        `CRF fine-tuning on wasm: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}; sample loss ${r.sampleLossBefore.toFixed(4)} -> ${r.sampleLossAfter.toFixed(4)}`,
      );
      expect(r.losses[3]!).toBeLessThan(r.losses[0]!);
      expect(r.sampleLossAfter).toBeLessThan(r.sampleLossBefore);
      // On wasm too, the plotted losses are the Loop's records, and the chart shows each.
      expect(r.records.map((m) => m.value)).toEqual(r.losses);
      expect(await opened.page.evaluate(() => document.querySelectorAll('#loss-chart circle.loss-point').length)).toBe(4);
      const after = await opened.page.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      expect(after.sentences.length).toBe(2);
      expect(session.errorsOf(opened.page)).toEqual([]);
    } finally {
      await opened.page.close();
    }
    session.timings['crfMs'] = Date.now() - t;
  });

  test('an ensemble of two CRF taggers loads, tags as in Node, and fine-tunes every member (wasm)', async () => {
    const t = Date.now();
    const [a, b] = [
      await trainTinyTagger({ sentences: 400, steps: 30, crf: true, seed: 3 }),
      await trainTinyTagger({ sentences: 400, steps: 30, crf: true, seed: 4 }),
    ];
    const ensemble = new NerTaggerClass({ members: [...a.tagger.members, ...b.tagger.members] });
    await exportTagger(ensemble, join(modelRoot, 'ensemble'));
    session.timings['ensembleNodeMs'] = Date.now() - t;
    const opened = await openDemo(session, 'model=../models/ensemble/&backend=wasm');
    try {
      expect([opened.status, opened.error]).toEqual(['ready', undefined]);
      expect(await opened.page.textContent('#model-info')).toMatch(
        /ensemble of 2 taggers \(the first: 1 Reformer block \(local attention, radius 8\), width 32\); .*crf decoding/,
      );
      const before = await opened.page.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      const inNode = ensemble.tag(TEXT).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) }));
      expect(spans(before.sentences)).toEqual(spans(inNode));
      // The page's scores are the members' mean emission scores.
      const [sa, sb] = [nodeScores(a.tagger, TEXT), nodeScores(b.tagger, TEXT)];
      expect(
        maxDiff(
          before.scores,
          sa.map((sentence, i) => sentence.map((row, k) => row.map((v, j) => (v + sb[i]![k]![j]!) / 2))),
        ),
      ).toBeLessThanOrEqual(1e-3);
      const r = await opened.page.evaluate(() =>
        (window as unknown as DemoWindow).demo.fineTune({ steps: 4, learningRate: 3e-3, batchSize: 48 }),
      );
      console.log(
        `ensemble fine-tuning on wasm: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}; sample loss ${r.sampleLossBefore.toFixed(4)} -> ${r.sampleLossAfter.toFixed(4)}`,
      );
      expect(r.losses[3]!).toBeLessThan(r.losses[0]!);
      expect(r.sampleLossAfter).toBeLessThan(r.sampleLossBefore);
      const after = await opened.page.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      expect(maxDiff(after.scores, before.scores)).toBeGreaterThan(0);
      // Reset restores the loaded weights of every member.
      await opened.page.evaluate(() => (window as unknown as DemoWindow).demo.reset());
      const reset = await opened.page.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      expect(maxDiff(reset.scores, before.scores)).toBeLessThanOrEqual(1e-6);
      expect(spans(reset.sentences)).toEqual(spans(before.sentences));
      expect(session.errorsOf(opened.page)).toEqual([]);
    } finally {
      await opened.page.close();
    }
    session.timings['ensembleMs'] = Date.now() - t;
  });

  test('writes a screenshot of the demo', async () => {
    const t = Date.now();
    let shot = page;
    if (TRAINED_MODEL) {
      const opened = await openDemo(session, 'model=../model/&backend=wasm');
      if (opened.status === 'ready') {
        shot = opened.page;
        await shot.evaluate(() => (window as unknown as DemoWindow).demo.fineTune({ steps: 8, learningRate: 1e-4, batchSize: 8 }));
      } else {
        console.warn(`screenshot: the trained model at ${TRAINED_MODEL} did not load (${opened.error}); using the tiny one`);
        await opened.page.close();
      }
    }
    const text =
      'Prime Minister Gordon Brown met President George Bush in Washington on Tuesday to discuss Iraq and Afghanistan. ' +
      'The United Nations Security Council will vote next week on new sanctions against Iran, officials in New York said.';
    if (shot === page) await selectBackend('wasm');
    await shot.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), text);
    await shot.evaluate(() => {
      (document.getElementById('entity-details') as HTMLDetailsElement).open = false;
    });
    await shot.setViewportSize({ width: 1000, height: 900 });
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await shot.screenshot({ path: SCREENSHOT, fullPage: true });
    session.timings['screenshotMs'] = Date.now() - t;
    expect(existsSync(SCREENSHOT)).toBe(true);
    console.log(`screenshot: ${SCREENSHOT} (model: ${shot === page ? 'the tiny test tagger' : TRAINED_MODEL})`);
  });

  test('no console errors or failed requests on the demo page during the whole session', () => {
    expect(session.errorsOf(page)).toEqual([]);
  });
});
