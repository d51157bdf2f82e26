/**
 * The demo's wasm threads in Chromium. Cross-origin isolated (the server's COOP/COEP headers), the wasm backend
 * loads its threaded binary and takes the threads tfjs-backend-wasm gives it: half the logical cores
 * (`navigator.hardwareConcurrency / 2`), 1 to 8, so 1 on a 2-core machine. The page says how many, and that count
 * is the backend's own (`getThreadsCount()`, through `wasmBackendInfo`). With 8 cores emulated (CDP), the backend
 * runs 4 threads and the tags do not change. trax-ts's SIMD kernels run over the threaded binary's shared memory
 * (their shared-memory build). Without the headers, the page is not isolated and runs the single-threaded binary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type StaticServer, startServer } from '../../browser/server.js';
import type { WasmBackendInfo } from '../../src/backend/backends.js';
import type { NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { type BrowserSession, describeInBrowser, STALL_GUARD_MS, startBrowserSession } from './harness.js';
import { nodeScores, trainTinyTagger, writeModelDirectories } from './tiny_tagger.js';

const TEXT = 'Prime Minister Gordon Brown met President George Bush in Washington on Tuesday.';
const THREADED = 'tfjs-backend-wasm-threaded-simd.wasm';

type DemoWindow = {
  demo: {
    status: string;
    error?: string;
    thread?: 'worker' | 'main';
    wasm?: WasmBackendInfo;
    ready: Promise<void>;
    backend(): string;
    tag(text: string): Promise<{ backend: string; scores: number[][][]; sentences: Array<{ tags: string[] }> }>;
  };
};

/** What the page shows and knows of its wasm backend, and a prediction's scores. */
interface Shown {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  footer: string;
  footerThreads: string | undefined;
  active: string;
  wasm: WasmBackendInfo | undefined;
  thread: string | undefined;
  scores: number[][][];
  tags: string[][];
}

/** The largest absolute difference between two nested arrays of the same shape (Infinity if the shapes differ). */
function maxDiff(a: number[][][], b: number[][][]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((sa, i) => {
    if (sa.length !== b[i]!.length) worst = Infinity;
    sa.forEach((row, t) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - (b[i]![t]?.[j] ?? Infinity))))));
  });
  return worst;
}

describeInBrowser("the demo's wasm threads in Chromium", () => {
  let session: BrowserSession;
  let unisolated: StaticServer;
  let tagger: NerTagger;
  let modelRoot: string;
  const wasmRequests: string[] = [];

  beforeAll(async () => {
    const trained = await trainTinyTagger({ sentences: 300, steps: 10 });
    tagger = trained.tagger;
    modelRoot = mkdtempSync(join(tmpdir(), 'trax-demo-threads-'));
    await writeModelDirectories(tagger, modelRoot);
    session = await startBrowserSession({ mounts: { '/models/': modelRoot } });
    unisolated = await startServer({ root: session.root, mounts: { '/models/': modelRoot }, crossOriginIsolated: false });
  });

  afterAll(async () => {
    await unisolated?.close();
    await session?.close();
    if (modelRoot) rmSync(modelRoot, { recursive: true, force: true });
  });

  /** Opens the demo on wasm (`query` added), waits until it is ready, tags TEXT, and reads what the page shows. */
  async function open(query: string, options: Parameters<BrowserSession['openPage']>[1] = {}): Promise<{ page: Page; shown: Shown }> {
    const page = await session.openPage(`demo/?model=../models/good/&backend=wasm${query}`, {
      ...options,
      beforeLoad: async (p) => {
        p.on('request', (r) => {
          if (r.url().endsWith('.wasm')) wasmRequests.push(r.url());
        });
        await options.beforeLoad?.(p);
      },
    });
    await page.waitForFunction(() => (window as unknown as Partial<DemoWindow>).demo?.ready !== undefined, undefined, {
      timeout: STALL_GUARD_MS,
    });
    const shown = await page.evaluate(async (text) => {
      const { demo } = window as unknown as DemoWindow;
      await demo.ready;
      if (demo.status !== 'ready') throw new Error(`the demo did not get ready: ${demo.error}`);
      const prediction = await demo.tag(text);
      const footer = document.getElementById('isolation')!;
      return {
        crossOriginIsolated: globalThis.crossOriginIsolated,
        hardwareConcurrency: navigator.hardwareConcurrency,
        footer: footer.textContent ?? '',
        footerThreads: footer.dataset['wasmThreads'],
        active: document.getElementById('active-backend')!.textContent ?? '',
        wasm: demo.wasm,
        thread: demo.thread,
        scores: prediction.scores,
        tags: prediction.sentences.map((s) => s.tags),
      };
    }, TEXT);
    return { page, shown };
  }

  /** The wasm backend as the page's own main thread starts it (a second tfjs beside the engine's, from trax.js). */
  async function pageBackendInfo(page: Page): Promise<WasmBackendInfo | undefined> {
    // A string: jest's compiler would turn a dynamic import() inside a function into a require() helper.
    return page.evaluate(`(async () => {
      const trax = await import(new URL('../trax.js', location.href).href);
      await trax.useBackend('wasm');
      return trax.wasmBackendInfo();
    })()`);
  }

  test('isolated: the threaded binary, the threads tfjs gives (cores / 2, 1 to 8), shown as the backend reports them', async () => {
    wasmRequests.length = 0;
    const { page, shown } = await open('');
    expect(session.errorsOf(page)).toEqual([]);
    expect(shown.crossOriginIsolated).toBe(true);
    expect(shown.thread).toBe('worker');
    expect(wasmRequests.some((u) => u.endsWith(`/${THREADED}`))).toBe(true);
    const threads = Math.min(8, Math.max(1, Math.floor(shown.hardwareConcurrency / 2)));
    expect(shown.wasm).toEqual({ binary: THREADED, threads, simdKernels: true });
    expect(shown.footerThreads).toBe(String(threads));
    expect(shown.footer).toContain(`runs its threaded binary on ${threads} thread${threads === 1 ? '' : 's'}`);
    expect(shown.footer).toContain(`half of the ${shown.hardwareConcurrency} logical core`);
    expect(shown.active).toBe(`wasm (SIMD, threaded, ${threads} thread${threads === 1 ? '' : 's'})`);
    // The same count from the page's own start of the backend, outside the demo's engine.
    expect(await pageBackendInfo(page)).toEqual(shown.wasm);
    // trax-ts's SIMD kernels over the shared memory compute what Node does.
    expect(maxDiff(shown.scores, nodeScores(tagger, TEXT))).toBeLessThan(1e-4);
    await page.close();
  });

  test('isolated, 8 cores emulated: the backend runs 4 threads, the page says 4, and the scores do not change', async () => {
    const { page, shown } = await open('&thread=main', {
      beforeLoad: async (p) => {
        const cdp = await session.context.newCDPSession(p);
        await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: 8 });
      },
    });
    expect(session.errorsOf(page)).toEqual([]);
    expect(shown.hardwareConcurrency).toBe(8);
    expect(shown.thread).toBe('main');
    expect(shown.wasm).toEqual({ binary: THREADED, threads: 4, simdKernels: true });
    expect(shown.footerThreads).toBe('4');
    expect(shown.footer).toContain('runs its threaded binary on 4 threads (tfjs-backend-wasm takes half of the 8 logical cores');
    expect(maxDiff(shown.scores, nodeScores(tagger, TEXT))).toBeLessThan(1e-4);
    await page.close();
  });

  test('not isolated (no COOP/COEP): the single-threaded SIMD binary, 1 thread, and the page says so', async () => {
    wasmRequests.length = 0;
    const { page, shown } = await open('', { baseUrl: unisolated.url });
    expect(session.errorsOf(page)).toEqual([]);
    expect(shown.crossOriginIsolated).toBe(false);
    expect(wasmRequests.some((u) => u.endsWith(`/${THREADED}`))).toBe(false);
    expect(wasmRequests.some((u) => u.endsWith('/tfjs-backend-wasm-simd.wasm'))).toBe(true);
    expect(shown.wasm).toEqual({ binary: 'tfjs-backend-wasm-simd.wasm', threads: 1, simdKernels: true });
    expect(shown.footer).toBe('Not cross-origin isolated: the wasm backend runs its single-threaded binary: 1 thread.');
    expect(shown.active).toBe('wasm (SIMD, 1 thread)');
    expect(maxDiff(shown.scores, nodeScores(tagger, TEXT))).toBeLessThan(1e-4);
    await page.close();
  });
});
