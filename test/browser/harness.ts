/**
 * Shared set-up of the browser tests: build the browser bundle into a fresh temporary folder, serve it with
 * browser/server.ts, and drive Debian's Chromium through playwright-core (one browser per test file).
 *
 * Chromium is found at $CHROMIUM_PATH or /usr/bin/chromium. Without it the tests are skipped with a message, unless
 * CI is set: in CI they must run (.ci/run installs chromium), so a missing browser is a failure there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { type StaticServer, startServer } from '../../browser/server.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags of /work/shared/TFJS-NOTES.md: WebGL2 on SwiftShader, headless, no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

const inCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/** `describe`, or `describe.skip` (with a message saying why) when Chromium is absent outside CI. */
export function describeInBrowser(title: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH) || inCI) {
    describe(title, body);
    return;
  }
  console.warn(
    `${title}: SKIPPED: no Chromium at ${CHROMIUM_PATH} (install it with \`apt-get install -y chromium\`, or set CHROMIUM_PATH). ` +
      'With CI set these tests fail instead of skipping.',
  );
  describe.skip(title, body);
}

/** A browser session: the build folder, its server, one Chromium and the page messages seen so far. */
export interface BrowserSession {
  readonly url: string;
  readonly context: BrowserContext;
  readonly server: StaticServer;
  /** Console errors, page errors and failed requests of every page opened through {@link openPage}. */
  readonly errors: string[];
  /** Every console message, for diagnostics. */
  readonly messages: string[];
  /** The entries of {@link errors} that came from one page. */
  errorsOf(page: Page): string[];
  readonly timings: Record<string, number>;
  openPage(path?: string): Promise<Page>;
  close(): Promise<void>;
}

const repoRoot = resolve(__dirname, '..', '..');

/** Options of {@link startBrowserSession}. */
export interface BrowserSessionOptions {
  /** Folders the server mounts at URL prefixes (see `ServerOptions.mounts`), e.g. model directories. */
  mounts?: Readonly<Record<string, string>>;
}

/** Builds the bundle, starts the server and Chromium. */
export async function startBrowserSession(options: BrowserSessionOptions = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: CI must install it (\`apt-get install -y chromium\` in .ci/run) or set CHROMIUM_PATH`);
  }
  const timings: Record<string, number> = {};
  const cleanup: Array<() => Promise<void> | void> = [];
  const close = async (): Promise<void> => {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    let t = Date.now();
    const outdir = mkdtempSync(join(tmpdir(), 'trax-browser-build-'));
    cleanup.push(() => rmSync(outdir, { recursive: true, force: true }));
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build_browser.mjs'), '--outdir', outdir], { cwd: repoRoot, stdio: 'pipe' });
    timings['buildMs'] = Date.now() - t;

    t = Date.now();
    const server = await startServer({ root: outdir, ...(options.mounts ? { mounts: options.mounts } : {}) });
    cleanup.push(() => server.close());
    const userDataDir = mkdtempSync(join(tmpdir(), 'trax-chromium-'));
    cleanup.push(() => rmSync(userDataDir, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    cleanup.push(() => context.close());
    timings['launchMs'] = Date.now() - t;

    const errors: string[] = [];
    const messages: string[] = [];
    const byPage = new WeakMap<Page, string[]>();
    const openPage = async (path = 'test.html'): Promise<Page> => {
      const page = await context.newPage();
      const own: string[] = [];
      byPage.set(page, own);
      const error = (text: string): void => {
        errors.push(text);
        own.push(text);
      };
      page.on('console', (m: ConsoleMessage) => {
        messages.push(`${m.type()}: ${m.text()}`);
        if (m.type() === 'error') error(`console.error on ${path}: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => error(`uncaught in ${path}: ${e.stack ?? e.message}`));
      page.on('requestfailed', (r) => error(`request failed on ${path}: ${r.url()} (${r.failure()?.errorText})`));
      page.on('response', (r) => {
        if (r.status() >= 400) error(`HTTP ${r.status()} for ${r.url()}`);
      });
      await page.goto(server.url + path);
      return page;
    };
    const errorsOf = (page: Page): string[] => byPage.get(page) ?? [];
    return { url: server.url, context, server, errors, messages, errorsOf, timings, openPage, close };
  } catch (error) {
    await close();
    if (error && typeof error === 'object' && 'stderr' in error) {
      throw new Error(`building the browser bundle failed:\n${String((error as { stderr: unknown }).stderr)}`);
    }
    throw error;
  }
}

/**
 * Calls `window.checks[name](window.trax, ...args)` in the page and returns its JSON result.
 *
 * tfjs can wait forever (a backend whose initialisation dies in a worker never settles `setBackend`), and a page
 * stuck in one check would make every later check wait behind it. So a check that takes longer than `timeoutMs`
 * fails with the page errors seen so far (which usually say why), and marks the page unusable: later checks on it
 * fail at once instead of each waiting out its own timeout.
 */
export async function runCheck<T>(session: BrowserSession, page: Page, name: string, args: unknown[] = [], timeoutMs = 45000): Promise<T> {
  const stuck = stuckPages.get(page);
  if (stuck) throw new Error(`not run: the page is unusable since ${stuck}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = `checks.${name} did not finish within ${timeoutMs} ms`;
      stuckPages.set(page, reason);
      reject(new Error(`${reason}; page errors so far:\n${session.errors.join('\n') || '(none)'}`));
    }, timeoutMs);
  });
  const evaluation = page.evaluate(
    async ([n, a]) => {
      const w = window as unknown as { checks: Record<string, (...x: unknown[]) => unknown>; trax: unknown };
      return w.checks[n as string]!(w.trax, ...(a as unknown[]));
    },
    [name, args] as const,
  ) as Promise<T>;
  try {
    return await Promise.race([evaluation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const stuckPages = new WeakMap<Page, string>();

/** Waits for test.html to have imported trax.js and checks.js; throws the page's own error when it failed. */
export async function waitForHarness(page: Page): Promise<void> {
  const handle = await page.waitForFunction(() => (window as unknown as { traxReady?: unknown }).traxReady, undefined, { timeout: 30000 });
  const ready = (await handle.jsonValue()) as { ok: boolean; error?: string };
  if (!ready.ok) throw new Error(`test.html failed to load the bundle: ${ready.error}`);
}
