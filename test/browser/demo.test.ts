/**
 * The NER demo page (recipes/demo/) in Chromium: a tiny tagger is trained in Node (a few seconds on wasm) and
 * exported with `exportTagger`; the static server serves it beside two broken copies; the page loads it, tags text
 * on webgl, wasm and cpu (same entities and log-probabilities as each other and as Node), switches backends
 * mid-session without reloading the model, fine-tunes on webgl, loads, tags and fine-tunes CRF taggers and ensembles,
 * reports broken model directories in the page, and
 * the test writes a screenshot of the demo: to build/screenshots/demo.png, and to docs/images/demo.png (the one the
 * README shows) when UPDATE_SCREENSHOTS=1, so that an ordinary test run leaves the repository clean.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { exportTagger } from '../../src/ner/export/node_files.js';
import { NerTagger as NerTaggerClass, type NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { type BrowserSession, describeInBrowser, startBrowserSession } from './harness.js';
import { nodeScores, trainTinyTagger, writeModelDirectories } from './tiny_tagger.js';

const repoRoot = resolve(__dirname, '..', '..');
const SCREENSHOT = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(repoRoot, 'docs', 'images', 'demo.png') : join(repoRoot, 'build', 'screenshots', 'demo.png');
/** A model trained by the recipe, used for the screenshot when present (the tests never need it). */
const TRAINED_MODEL = ['runs/ner/model', 'runs/ner-best/model'].map((d) => join(repoRoot, d)).find((d) => existsSync(join(d, 'tagger.json')));

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
  backend: string;
  ms: number;
  sentences: Array<{ tags: string[]; entities: Entity[] }>;
  scores: number[][][];
}
interface FineTune {
  backend: string;
  losses: number[];
  sampleLossBefore: number;
  sampleLossAfter: number;
  ms: number;
}
type DemoWindow = {
  demo: {
    status: string;
    error?: string;
    loads: number;
    ready: Promise<void>;
    backend(): string;
    tag(text: string): Promise<PagePrediction>;
    fineTune(o: { steps: number; learningRate?: number; batchSize?: number }): Promise<FineTune>;
    reset(): Promise<void>;
    numTensors(): number;
    lastPrediction?: { backend: string; text: string };
  };
};

/** Opens the demo with `query` and waits until it is ready or has failed; returns the page and its state. */
async function openDemo(session: BrowserSession, query: string): Promise<{ page: Page; status: string; error?: string }> {
  const page = await session.openPage(`demo/?${query}`);
  await page.waitForFunction(() => (window as unknown as Partial<DemoWindow>).demo?.ready !== undefined, undefined, { timeout: 30000 });
  const state = await page.evaluate(async () => {
    const { demo } = window as unknown as DemoWindow;
    await demo.ready;
    return { status: demo.status, ...(demo.error === undefined ? {} : { error: demo.error }) };
  });
  return { page, ...state };
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
const spans = (sentences: PagePrediction['sentences']): string[][] => sentences.map((s) => s.entities.map((e) => `${e.type}:${e.start}-${e.end}:${e.text}`));

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
      { timeout: 30000 },
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
  }, 90000);

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
      loadErrorHidden: document.getElementById('load-error')!.hidden,
      loads: (window as unknown as DemoWindow).demo.loads,
    }));
    expect(session.errorsOf(page)).toEqual([]);
    expect(shown.crossOriginIsolated).toBe(true);
    expect(shown.status).toMatch(/^Ready/);
    expect(shown.loadErrorHidden).toBe(true);
    expect(shown.modelInfo).toContain('1 block, width 32');
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
    expect(shown.loads).toBe(1);
  });

  test('the same text on webgl, wasm and cpu gives the same entities as each other and as Node (log-probabilities within 1e-3)', async () => {
    const results: Record<string, PagePrediction> = {};
    for (const backend of ['webgl', 'wasm', 'cpu']) {
      await selectBackend(backend);
      results[backend] = await tag(TEXT);
      expect(results[backend]!.backend).toBe(backend);
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
      const confidenceDiff = Math.max(...r.sentences.flatMap((s, i) => s.entities.map((e, k) => Math.abs(e.confidence - inNode[i]!.entities[k]!.confidence))));
      report.push(`${backend}: max |log p - Node's| ${diff.toExponential(1)}, confidence ${confidenceDiff.toExponential(1)}, ${r.ms.toFixed(1)} ms`);
      expect([backend, diff <= 1e-3]).toEqual([backend, true]);
      expect([backend, confidenceDiff <= 1e-3]).toEqual([backend, true]);
    }
    expect(maxDiff(results['webgl']!.scores, results['cpu']!.scores)).toBeLessThanOrEqual(1e-3);
    expect(maxDiff(results['wasm']!.scores, results['cpu']!.scores)).toBeLessThanOrEqual(1e-3);
    console.log(`demo predictions against Node:\n  ${report.join('\n  ')}\n  entities: ${reference.flat().join(', ')}`);
  });

  test('switching webgl -> wasm -> webgl mid-session keeps working, typing re-tags, and the model is never reloaded', async () => {
    const requestsBefore = modelRequests.length;
    const texts = ['Angela Merkel visited Paris on Friday.', 'The European Union met in Brussels in March.', 'Vladimir Putin spoke in Moscow on Sunday.'];
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
        { timeout: 30000 },
      );
      const shown = await page.evaluate(() => ({
        output: document.getElementById('output')!.textContent,
        timing: document.getElementById('timing')!.textContent,
      }));
      expect(shown.timing).toContain(`ms on ${backend}`);
      expect(shown.output).toContain(texts[i]!.split(' ')[1]);
      const r = await tag(texts[i]!);
      expect(spans(r.sentences)).toEqual(spans(tagger.tag(texts[i]!).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) }))));
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
    console.log(`fine-tuning on webgl: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}; sample loss ${r.sampleLossBefore.toFixed(4)} -> ${r.sampleLossAfter.toFixed(4)} in ${Math.round(r.ms)} ms`);
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
    expect(chart.status).toMatch(/6 steps .* on webgl; loss on the whole sample/);
    // The Adam moments stay (for the next run), and a CRF model keeps its trained transition scores (3 tensors, with
    // their moments); nothing else may be left behind.
    const weights = tagger.model.weights;
    const nWeights = (await import('../../src/layers/tensor_tree.js')).treeLeaves(weights).length;
    const nCrfWeights = tagger.crf ? 3 : 0;
    const tensorsAfter = await page.evaluate(() => (window as unknown as DemoWindow).demo.numTensors());
    expect(tensorsAfter - tensorsBefore).toBeLessThanOrEqual(2 * nWeights + 3 * nCrfWeights);
    const after = await tag(TEXT);
    expect(after.backend).toBe('webgl');
    expect(after.sentences.length).toBe(2);
    expect(session.errorsOf(page)).toEqual([]);
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
      if (query.includes('absent')) expect(await opened.page.textContent('#active-backend')).toMatch(/^wasm \(SIMD, threads\)/);
      const shown = await opened.page.evaluate(() => ({
        panelVisible: !document.getElementById('load-error')!.hidden && document.getElementById('load-error')!.getBoundingClientRect().height > 0,
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
      const r = await opened.page.evaluate(() => (window as unknown as DemoWindow).demo.fineTune({ steps: 4, learningRate: 3e-3, batchSize: 48 }));
      console.log(`CRF fine-tuning on wasm: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}; sample loss ${r.sampleLossBefore.toFixed(4)} -> ${r.sampleLossAfter.toFixed(4)}`);
      expect(r.losses[3]!).toBeLessThan(r.losses[0]!);
      expect(r.sampleLossAfter).toBeLessThan(r.sampleLossBefore);
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
    const [a, b] = [await trainTinyTagger({ sentences: 400, steps: 30, crf: true, seed: 3 }), await trainTinyTagger({ sentences: 400, steps: 30, crf: true, seed: 4 })];
    const ensemble = new NerTaggerClass({ members: [...a.tagger.members, ...b.tagger.members] });
    await exportTagger(ensemble, join(modelRoot, 'ensemble'));
    session.timings['ensembleNodeMs'] = Date.now() - t;
    const opened = await openDemo(session, 'model=../models/ensemble/&backend=wasm');
    try {
      expect([opened.status, opened.error]).toEqual(['ready', undefined]);
      expect(await opened.page.textContent('#model-info')).toMatch(/ensemble of 2 taggers \(the first: 1 block, width 32, .*\); .*crf decoding/);
      const before = await opened.page.evaluate((x) => (window as unknown as DemoWindow).demo.tag(x), TEXT);
      const inNode = ensemble.tag(TEXT).map((s) => ({ tags: [...s.tags], entities: s.entities.map((e) => ({ ...e })) }));
      expect(spans(before.sentences)).toEqual(spans(inNode));
      // The page's scores are the members' mean emission scores.
      const [sa, sb] = [nodeScores(a.tagger, TEXT), nodeScores(b.tagger, TEXT)];
      expect(maxDiff(before.scores, sa.map((sentence, i) => sentence.map((row, k) => row.map((v, j) => (v + sb[i]![k]![j]!) / 2))))).toBeLessThanOrEqual(1e-3);
      const r = await opened.page.evaluate(() => (window as unknown as DemoWindow).demo.fineTune({ steps: 4, learningRate: 3e-3, batchSize: 48 }));
      console.log(`ensemble fine-tuning on wasm: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}; sample loss ${r.sampleLossBefore.toFixed(4)} -> ${r.sampleLossAfter.toFixed(4)}`);
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
