/**
 * runCheck's hang guard (test/browser/harness.ts), without a browser: a check that keeps reporting progress may run
 * far longer than the guard (a busy machine makes it slow, not failed); one that stops reporting fails after the
 * guard, names its last progress, and marks its page unusable for the checks after it. Fake timers stand in for
 * time, so this test takes no time and cannot depend on the machine's speed.
 */
import type { Page } from 'playwright-core';
import { type BrowserSession, runCheck, STALL_GUARD_MS } from './harness.js';

/** A page whose `evaluate` settles when the test says, and a session that sees the progress the test reports. */
function fakes(): { page: Page; session: BrowserSession; report(what: string): void; finish(value: unknown): void } {
  let finish: (value: unknown) => void = () => undefined;
  const page = { evaluate: () => new Promise((resolve) => (finish = resolve)) } as unknown as Page;
  let last: { at: number; what: string } | undefined;
  const session = { errors: ['console.error on test.html: a planted error'], progressOf: () => last } as unknown as BrowserSession;
  return { page, session, report: (what) => (last = { at: Date.now(), what }), finish: (v) => finish(v) };
}

describe('runCheck waits on progress, not on a clock', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('a check that reports progress every minute runs for 20 minutes (4 times the guard) and returns its result', async () => {
    const { page, session, report, finish } = fakes();
    let settled = false;
    const result = runCheck<{ ok: boolean }>(session, page, 'slowButAlive').finally(() => (settled = true));
    for (let minute = 1; minute <= 20; minute++) {
      await jest.advanceTimersByTimeAsync(60_000);
      report(`case ${minute}`);
    }
    expect(settled).toBe(false);
    finish({ ok: true });
    await expect(result).resolves.toEqual({ ok: true });
  });

  test('a check that stops reporting fails after the guard, with its last progress and the page errors; the page is then unusable', async () => {
    const { page, session, report } = fakes();
    const result = runCheck(session, page, 'stuck');
    const failure = expect(result).rejects.toThrow(
      /checks\.stuck made no progress for 300 s \(its last progress: useBackend webgl; \d+ s since it started\).*\n.*a planted error/s,
    );
    await jest.advanceTimersByTimeAsync(30_000);
    report('useBackend webgl');
    await jest.advanceTimersByTimeAsync(STALL_GUARD_MS - 1000);
    // Not yet: the guard counts from the last progress, not from the start.
    let settled = false;
    void result.catch(() => undefined).finally(() => (settled = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(3000);
    await failure;
    await expect(runCheck(session, page, 'next')).rejects.toThrow(/not run: the page is unusable since checks\.stuck made no progress/);
  });

  test('a check with no progress message at all fails after the guard and says so', async () => {
    const { page, session } = fakes();
    const result = runCheck(session, page, 'silent', [], 10_000);
    const failure = expect(result).rejects.toThrow(/checks\.silent made no progress for 10 s \(no progress message at all/);
    await jest.advanceTimersByTimeAsync(12_000);
    await failure;
  });
});
