/**
 * WorkerPool: order, state between requests, broadcast, shared memory, and every way a worker can fail (a handler
 * that throws, a worker that dies or exits, an init that fails), none of which may hang.
 */
import { join } from 'node:path';
import { WorkerError, WorkerPool, WorkerPoolClosedError } from '../../src/parallel/index.js';
import type { EchoInit, EchoRequest } from './fixtures/echo_worker.js';

const ECHO = join(__dirname, 'fixtures', 'echo_worker.ts');
const TFJS = join(__dirname, 'fixtures', 'tfjs_worker.ts');

type Reply = { x: number; square: number; worker: number };

async function echoPool(workers: number, init: EchoInit | ((i: number) => EchoInit) = { label: 'echo' }, signal?: AbortSignal) {
  return WorkerPool.start<EchoRequest, unknown, EchoInit>({ module: ECHO, workers, init, ...(signal ? { signal } : {}) });
}

describe('WorkerPool', () => {
  test('map returns the results in input order, whichever worker ends first, and spreads the work', async () => {
    const pool = await echoPool(2);
    try {
      // Early requests sleep longest, so later ones finish first.
      const xs = [1, 2, 3, 4, 5, 6, 7, 8];
      const replies = (await pool.map(xs.map((x) => ({ op: 'square', x, sleepMs: (9 - x) * 15 })))) as Reply[];
      expect(replies.map((r) => r.x)).toEqual(xs);
      expect(replies.map((r) => r.square)).toEqual(xs.map((x) => x * x));
      expect(new Set(replies.map((r) => r.worker))).toEqual(new Set([0, 1]));
    } finally {
      await pool.close();
    }
  });

  test('workers keep their state between requests; broadcast reaches each, in worker order; runOn one', async () => {
    const pool = await echoPool(3, (i) => ({ label: `w${i}` }));
    try {
      expect(pool.size).toBe(3);
      expect(await pool.broadcast({ op: 'whoami' })).toEqual([0, 1, 2].map((index) => ({ index, count: 3, label: `w${index}` })));
      await pool.runOn(1, { op: 'count' });
      await pool.runOn(1, { op: 'count' });
      // Worker 1 has now answered whoami and two counts; the others only whoami.
      expect(await pool.broadcast({ op: 'count' })).toEqual([2, 4, 2]);
      await expect(pool.runOn(3, { op: 'count' })).rejects.toThrow('no worker 3 (the pool has 3, from 0)');
    } finally {
      await pool.close();
    }
  });

  test('a SharedArrayBuffer in a request is shared: every worker writes its part into the same memory', async () => {
    const pool = await echoPool(2);
    try {
      const shared = new SharedArrayBuffer(8 * 4);
      await pool.broadcast({ op: 'fill', shared, value: 100 });
      expect(Array.from(new Int32Array(shared))).toEqual([100, 101, 100, 101, 100, 101, 100, 101]);
      // A transferred result arrives whole.
      const bytes = (await pool.run({ op: 'bytes', n: 5 })) as Uint8Array;
      expect(Array.from(bytes)).toEqual([7, 7, 7, 7, 7]);
    } finally {
      await pool.close();
    }
  });

  test("a handler that throws fails its request with the worker's error (name, message, the worker's stack); the worker goes on", async () => {
    const pool = await echoPool(2);
    try {
      const failure = (await pool.run({ op: 'throw', message: 'bad request 42' }).catch((e: unknown) => e)) as WorkerError;
      expect(failure).toBeInstanceOf(WorkerError);
      expect(failure.name).toBe('RangeError');
      expect(failure.message).toBe('bad request 42');
      expect(failure.fatal).toBe(false);
      expect(failure.stack).toMatch(/throwFromTheWorker/);
      expect(failure.stack).toMatch(/echo_worker\.ts/);
      expect(failure.stack).toMatch(/in worker [12] of 2 \(echo_worker\.ts\)/);
      expect(((await pool.run({ op: 'square', x: 3 })) as Reply).square).toBe(9);
      // In a map, the first failure fails the map.
      await expect(
        pool.map([
          { op: 'square', x: 1 },
          { op: 'throw', message: 'second of three' },
          { op: 'square', x: 2 },
        ]),
      ).rejects.toThrow('second of three');
    } finally {
      await pool.close();
    }
  });

  test('a worker that dies fails every pending and later request with its error, never a hang', async () => {
    const pool = await echoPool(2);
    try {
      const slow = pool.runOn(1, { op: 'square', x: 5, sleepMs: 30_000 });
      const queued = pool.runOn(1, { op: 'square', x: 6 });
      const dying = pool.runOn(0, { op: 'die', message: 'worker crashed on purpose' });
      for (const p of [dying, slow, queued]) await expect(p).rejects.toThrow('worker crashed on purpose');
      const failure = (await dying.catch((e: unknown) => e)) as WorkerError;
      expect(failure).toBeInstanceOf(WorkerError);
      expect(failure.fatal).toBe(true);
      expect(failure.workerIndex).toBe(0);
      expect(failure.stack).toMatch(/throwFromTheWorker/);
      expect(failure.stack).toMatch(/in worker 1 of 2 \(echo_worker\.ts\), which died of it/);
      expect(pool.closed).toBe(true);
      await expect(pool.run({ op: 'square', x: 2 })).rejects.toBe(failure);
    } finally {
      await pool.close();
    }
  });

  test('a worker that exits fails the pool with its exit code', async () => {
    const pool = await echoPool(2);
    try {
      const pending = pool.runOn(1, { op: 'square', x: 5, sleepMs: 30_000 });
      await expect(pool.runOn(0, { op: 'exit', code: 3 })).rejects.toThrow('echo_worker.ts: worker 1 of 2 exited with code 3');
      await expect(pending).rejects.toThrow('exited with code 3');
    } finally {
      await pool.close();
    }
  });

  test('an init that throws fails start with its error (name, message, which worker)', async () => {
    const failure = (await echoPool(2, (i) => ({ label: 'x', failInit: i === 1 })).catch((e: unknown) => e)) as WorkerError;
    expect(failure).toBeInstanceOf(WorkerError);
    expect(failure.name).toBe('TypeError');
    expect(failure.message).toBe('init refused in worker 1');
    expect(failure.workerIndex).toBe(1);
  });

  test('close() and an aborted signal fail pending requests with WorkerPoolClosedError and terminate the workers', async () => {
    const pool = await echoPool(1);
    const pending = pool.run({ op: 'square', x: 1, sleepMs: 30_000 });
    const queued = pool.run({ op: 'square', x: 2 });
    await pool.close();
    await expect(pending).rejects.toBeInstanceOf(WorkerPoolClosedError);
    await expect(queued).rejects.toThrow('the worker pool was closed');
    await expect(pool.run({ op: 'square', x: 3 })).rejects.toThrow('the worker pool is closed');

    const controller = new AbortController();
    const stopped = await echoPool(2, { label: 'echo' }, controller.signal);
    const running = stopped.map([{ op: 'square', x: 1, sleepMs: 30_000 }]);
    controller.abort(new Error('Ctrl-C'));
    const error = (await running.catch((e: unknown) => e)) as WorkerPoolClosedError;
    expect(error).toBeInstanceOf(WorkerPoolClosedError);
    expect(error.message).toMatch(/the worker pool was stopped/);
    expect((error.cause as Error).message).toBe('Ctrl-C');
    await expect(echoPool(1, { label: 'echo' }, controller.signal)).rejects.toThrow('the signal was aborted before the pool started');
  });

  test('bad arguments are refused with the reason', async () => {
    await expect(WorkerPool.start({ module: ECHO, workers: 0 })).rejects.toThrow('workers must be an integer >= 1, got 0');
    await expect(WorkerPool.start({ module: join(__dirname, 'fixtures', 'missing.ts'), workers: 1 })).rejects.toThrow(
      /the worker module .*missing\.ts does not exist/,
    );
  });

  test('each worker has its own tfjs engine on the wasm backend, and computes what the main thread does', async () => {
    const pool = await WorkerPool.start<{ rows: number[][] }, { backend: string; product: number[]; tensors: number }>({
      module: TFJS,
      workers: 2,
      init: { backend: 'wasm' },
    });
    try {
      const rows = [
        [1, 2, 3],
        [4, 5, 6],
      ];
      const replies = await pool.broadcast({ rows });
      for (const r of replies) {
        expect(r.backend).toBe('wasm');
        expect(r.product).toEqual([14, 32, 32, 77]);
        expect(r.tensors).toBe(0);
      }
    } finally {
      await pool.close();
    }
  });
});
