/**
 * The browser build in a real browser: Chromium (SwiftShader WebGL2) loads build/browser/trax.js from the static
 * server, switches backends at run time, and runs the layer suite's core cases on webgl against cpu in the page.
 * The page-side work is browser/checks.ts; each check returns JSON with a list of failures. No wait here is a speed
 * limit: a check fails only when it stops reporting progress for minutes (runCheck's stall guard), and jest's limit
 * is a half-hour hang guard (harness.ts), so a busy machine makes the suite slow, not red.
 */
import type { Page } from 'playwright-core';
import { type CaseResult, initFingerprints, type TraxModule } from '../../browser/checks.js';
import * as src from '../../src/index.js';
import * as coreLayers from '../../src/layers/core/index.js';
import * as reversibleLayers from '../../src/reversible/index.js';
import { type BrowserSession, describeInBrowser, runCheck, startBrowserSession, waitForHarness } from './harness.js';

type Json = Record<string, unknown> & { failures?: string[] };

describeInBrowser('trax-ts in Chromium', () => {
  let session: BrowserSession;
  let page: Page;
  const started = Date.now();
  /** `window.checks[name](window.trax, ...args)` in the page. */
  const check = <T = Json>(name: string, ...args: unknown[]): Promise<T> => runCheck<T>(session, page, name, args);

  beforeAll(async () => {
    session = await startBrowserSession();
    const t = Date.now();
    page = await session.openPage('test.html');
    await waitForHarness(page);
    session.timings['pageLoadMs'] = Date.now() - t;
  });

  afterAll(async () => {
    if (session) {
      session.timings['totalMs'] = Date.now() - started;
      console.log(`browser test timings: ${JSON.stringify(session.timings)}`);
      await session.close();
    }
  });

  test('the page loads the bundle with no console errors, cross-origin isolated', async () => {
    const env = await check('environment');
    expect(session.errors).toEqual([]);
    expect(env['crossOriginIsolated']).toBe(true);
    expect(env['wasmBinariesUrl']).toBe(session.url);
  });

  test("useBackend('webgl') succeeds: WebGL2 on SwiftShader", async () => {
    const r = await check('switchBackend', 'webgl');
    expect(r.failures).toEqual([]);
    expect(r['backend']).toBe('webgl');
    expect(r['webglVersion']).toBe(2);
    expect(String(r['renderer'])).toMatch(/SwiftShader/i);
  });

  test("useBackend('wasm') loads a binary served as application/wasm from beside the bundle", async () => {
    const r = await check('switchBackend', 'wasm');
    expect(r.failures).toEqual([]);
    expect(r['backend']).toBe('wasm');
    expect(session.errors).toEqual([]);
  });

  test('switching webgl -> wasm -> webgl -> cpu mid-session keeps a model working (within 1e-5)', async () => {
    const r = await check('backendSwitching', ['webgl', 'wasm', 'webgl', 'cpu'], 1e-5);
    session.timings['switchingMs'] = (r['runs'] as Array<{ ms: number }>).reduce((a, b) => a + b.ms, 0);
    expect(r.failures).toEqual([]);
    expect((r['runs'] as unknown[]).length).toBe(4);
  });

  test('layer suite on webgl: shapes from init, finite-difference gradients, agreement with cpu in the page', async () => {
    const t = Date.now();
    const { results } = await check<{ results: CaseResult[] }>('layerSuite', { backend: 'webgl', reference: 'cpu' });
    session.timings['layerSuiteMs'] = Date.now() - t;
    const summary = results.map(
      (r) =>
        `${r.name}: ${r.failures.length === 0 ? 'ok' : 'FAILED'} (outputs ${r.maxOutputDiff.toExponential(1)}, grads ${r.maxGradDiff.toExponential(1)}, fd ${r.gradCheckWorst?.toFixed(2)}, leaked ${JSON.stringify(r.leakedTensors)}, ${Math.round(r.ms)} ms)`,
    );
    console.log(`layer suite on webgl vs cpu:\n  ${summary.join('\n  ')}`);
    expect(results.length).toBeGreaterThanOrEqual(10);
    // The suite reports its progress, which is what runCheck's hang guard waits on.
    expect(session.progressOf(page)?.what).toMatch(/^layer case .+ on (webgl|cpu)$/);
    expect(results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`))).toEqual([]);
  });

  test('init gives the same weight paths and values in the page (webgl) as in Node (cpu), as checkpoints need', async () => {
    // The library as Node sees it, in the shape of the bundle's exports (the browser entry adds only setWasmPaths).
    const inNode = await initFingerprints({ ...src, ...coreLayers, ...reversibleLayers } as unknown as TraxModule, 'cpu');
    const inPage = await check<Record<string, unknown>>('initFingerprints', 'webgl');
    expect(Object.keys(inNode).length).toBeGreaterThanOrEqual(10);
    expect(inPage).toEqual(inNode);
  });

  test('Node-only parts of the API load in the page and fail on use with a clear error', async () => {
    const r = await check<Record<string, string>>('nodeOnlyApi');
    expect(r['readCheckpoint']).toMatch(/node:\w+\.\w+ is Node-only: it is not available in the browser build of trax-ts/);
  });

  test('a reversible stack on webgl: reversible-backward gradients equal ordinary ones; reverse reconstructs the input', async () => {
    const r = await check('reversibleGradients', 'webgl', 1e-5);
    console.log(`reversible on webgl: ${JSON.stringify(r)}`);
    expect(r.failures).toEqual([]);
  });

  test('the suite is not vacuous: it reports a layer whose gradient is wrong, and one whose signature lies', async () => {
    const { results } = await page.evaluate(async () => {
      type Tensor = { square(): Tensor; mul(y: Tensor | number): Tensor };
      const w = window as unknown as {
        trax: {
          tf: { customGrad(f: (x: Tensor) => { value: Tensor; gradFunc: (dy: Tensor) => Tensor }): (x: Tensor) => Tensor };
          Fn(name: string, f: (x: Tensor) => Tensor, nOut?: number, options?: object): unknown;
        };
        checks: { layerSuite(trax: unknown, options: object): Promise<{ results: CaseResult[] }> };
      };
      const { tf, Fn } = w.trax;
      // d(x^2)/dx is 2x; this says x.
      const halfGrad = tf.customGrad((x: Tensor) => ({ value: x.square(), gradFunc: (dy: Tensor) => dy.mul(x) }));
      return w.checks.layerSuite(w.trax, {
        only: 'planted',
        extraCases: [
          { name: 'planted: wrong gradient', make: () => Fn('HalfGrad', (x) => halfGrad(x)), inputs: [{ shape: [2, 3] }], grad: true },
          {
            name: 'planted: wrong signature',
            make: () => Fn('Liar', (x) => x.mul(2), 1, { outputSignature: () => ({ shape: [7], dtype: 'float32' }) }),
            inputs: [{ shape: [2, 3] }],
            grad: false,
          },
        ],
      });
    });
    expect(results.map((r) => r.name)).toEqual(['planted: wrong gradient', 'planted: wrong signature']);
    expect(results[0]!.failures.join('\n')).toMatch(/finite differences on webgl: gradient of input 0/);
    expect(results[1]!.failures.join('\n')).toMatch(/output signature .*\[7\].* differs from the real outputs/);
  });

  test('no console errors or failed requests during the whole session', () => {
    expect(session.errors).toEqual([]);
  });
});
