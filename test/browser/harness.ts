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

/**
 * How long page-side work may go without a sign of progress before it counts as hung: a check's progress messages
 * (see {@link runCheck}), a page becoming ready, a fine-tuning step. Not a speed limit: on a busy machine a check
 * takes as long as it takes, as long as it keeps reporting progress.
 */
export const STALL_GUARD_MS = 5 * 60_000;

/**
 * Jest's limit for each browser test and hook: a guard against a hang that nothing else catches (jest's default
 * 60 s would be a speed check on a busy machine). Each wait inside has its own stall guard.
 */
export const TEST_HANG_GUARD_MS = 30 * 60_000;

/** The prefix of the console messages a page logs to say it is making progress (browser/checks.ts). */
export const PROGRESS_PREFIX = '[trax-progress]';

/** `describe`, or `describe.skip` (with a message saying why) when Chromium is absent outside CI. */
export function describeInBrowser(title: string, body: () => void): void {
  jest.setTimeout(TEST_HANG_GUARD_MS);
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

/** Options of {@link BrowserSession.openPage}. */
export interface OpenPageOptions {
  /** Runs on the new page before it loads (a CDP session, an emulation). */
  beforeLoad?: (page: Page) => Promise<void>;
  /** Another server's URL (default: the session's). */
  baseUrl?: string;
}

/** A browser session: the build folder, its server, one Chromium and the page messages seen so far. */
export interface BrowserSession {
  readonly url: string;
  /** The folder of the build the server serves (a test may serve it once more, with other options). */
  readonly root: string;
  readonly context: BrowserContext;
  readonly server: StaticServer;
  /** Console errors, page errors and failed requests of every page opened through {@link openPage}. */
  readonly errors: string[];
  /** Every console message, for diagnostics. */
  readonly messages: string[];
  /** The entries of {@link errors} that came from one page. */
  errorsOf(page: Page): string[];
  /** The last progress message of a page (see {@link PROGRESS_PREFIX}) and when it came (Date.now()). */
  progressOf(page: Page): { at: number; what: string } | undefined;
  readonly timings: Record<string, number>;
  openPage(path?: string, options?: OpenPageOptions): Promise<Page>;
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
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: CI must install it (\`apt-get install -y chromium\` in .ci/run) or set CHROMIUM_PATH`,
    );
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
    const progress = new WeakMap<Page, { at: number; what: string }>();
    const openPage = async (path = 'test.html', options: OpenPageOptions = {}): Promise<Page> => {
      const page = await context.newPage();
      const own: string[] = [];
      byPage.set(page, own);
      const error = (text: string): void => {
        errors.push(text);
        own.push(text);
      };
      page.on('console', (m: ConsoleMessage) => {
        if (m.text().startsWith(PROGRESS_PREFIX)) {
          progress.set(page, { at: Date.now(), what: m.text().slice(PROGRESS_PREFIX.length).trim() });
          return;
        }
        messages.push(`${m.type()}: ${m.text()}`);
        if (m.type() === 'error') error(`console.error on ${path}: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => error(`uncaught in ${path}: ${e.stack ?? e.message}`));
      page.on('requestfailed', (r) => error(`request failed on ${path}: ${r.url()} (${r.failure()?.errorText})`));
      page.on('response', (r) => {
        if (r.status() >= 400) error(`HTTP ${r.status()} for ${r.url()}`);
      });
      await options.beforeLoad?.(page);
      await page.goto((options.baseUrl ?? server.url) + path);
      return page;
    };
    const errorsOf = (page: Page): string[] => byPage.get(page) ?? [];
    const progressOf = (page: Page): { at: number; what: string } | undefined => progress.get(page);
    return { url: server.url, root: outdir, context, server, errors, messages, errorsOf, progressOf, timings, openPage, close };
  } catch (error) {
    await close();
    if (error && typeof error === 'object' && 'stderr' in error) {
      throw new Error(`building the browser bundle failed:\n${String(error.stderr)}`);
    }
    throw error;
  }
}

/**
 * Calls `window.checks[name](window.trax, ...args)` in the page and returns its JSON result.
 *
 * tfjs can wait forever (a backend whose initialisation dies in a worker never settles `setBackend`), and a page
 * stuck in one check would make every later check wait behind it. The checks say what they are doing as they go
 * (console messages starting with {@link PROGRESS_PREFIX}: a backend started, a layer case done), so a check fails
 * only when it has made no progress for `stallMs`, however long it takes in all: on a busy machine the checks are
 * slow, not stuck. A stuck check fails with the page errors seen so far (which usually say why) and its last
 * progress, and marks the page unusable: later checks on it fail at once instead of each waiting out its guard.
 */
export async function runCheck<T>(
  session: BrowserSession,
  page: Page,
  name: string,
  args: unknown[] = [],
  stallMs = STALL_GUARD_MS,
): Promise<T> {
  const stuck = stuckPages.get(page);
  if (stuck) throw new Error(`not run: the page is unusable since ${stuck}`);
  const started = Date.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(
      () => {
        const last = session.progressOf(page);
        const since = Math.max(started, last?.at ?? 0);
        if (Date.now() - since <= stallMs) return;
        const reason = `checks.${name} made no progress for ${Math.round(stallMs / 1000)} s (${last && last.at >= started ? `its last progress: ${last.what}` : 'no progress message at all'}; ${Math.round((Date.now() - started) / 1000)} s since it started)`;
        stuckPages.set(page, reason);
        reject(new Error(`${reason}; page errors so far:\n${session.errors.join('\n') || '(none)'}`));
      },
      Math.min(1000, stallMs),
    );
  });
  const evaluation = page.evaluate(
    async ([n, a]) => {
      const w = window as unknown as { checks: Record<string, (...x: unknown[]) => unknown>; trax: unknown };
      return w.checks[n]!(w.trax, ...a);
    },
    [name, args] as const,
  ) as Promise<T>;
  try {
    return await Promise.race([evaluation, stalled]);
  } finally {
    clearInterval(timer);
  }
}

const stuckPages = new WeakMap<Page, string>();

/** Waits for test.html to have imported trax.js and checks.js; throws the page's own error when it failed. */
export async function waitForHarness(page: Page): Promise<void> {
  const handle = await page.waitForFunction(() => (window as unknown as { traxReady?: unknown }).traxReady, undefined, {
    timeout: STALL_GUARD_MS,
  });
  const ready = (await handle.jsonValue()) as { ok: boolean; error?: string };
  if (!ready.ok) throw new Error(`test.html failed to load the bundle: ${ready.error}`);
}
