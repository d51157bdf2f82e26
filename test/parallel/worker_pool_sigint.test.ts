/** Ctrl-C stops a busy WorkerPool cleanly: the process that aborts the pool's signal on SIGINT ends on its own, at once. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

test('SIGINT aborts the pool: pending requests fail with WorkerPoolClosedError, the workers end, the process exits by itself', async () => {
  const child = spawn(process.execPath, ['scripts/run.mjs', 'test/parallel/fixtures/sigint_child.ts', join(__dirname, 'fixtures')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let sent = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!sent && stdout.includes('busy')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  expect(stderr).toBe('');
  expect({ code, signal }).toEqual({ code: 130, signal: null });
  expect(stdout).toMatch(/stopped: WorkerPoolClosedError: echo_worker\.ts: the worker pool was stopped/);
  expect(stdout).not.toMatch(/finished|still alive/);
});
