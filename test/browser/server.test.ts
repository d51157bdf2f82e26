/** The static server of the browser build (browser/server.ts), in Node alone: no browser needed. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StaticServer, startServer } from '../../browser/server.js';
import { rawRequest } from './raw_request.js';

describe('browser/server.ts', () => {
  let root: string;
  let server: StaticServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'trax-server-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><p>hi</p>');
    writeFileSync(join(root, 'trax.js'), 'export const x = 1;\n');
    writeFileSync(join(root, 'tfjs-backend-wasm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    mkdirSync(join(root, 'chunks'));
    writeFileSync(join(root, 'chunks', 'c.js'), '');
    writeFileSync(join(root, '..', `${root.split('/').pop()}-secret.txt`), 'TOP-SECRET-CONTENT');
    server = await startServer({ root });
  });

  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(`${root}-secret.txt`, { force: true });
  });

  test('binds 127.0.0.1 on an ephemeral port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
  });

  test.each([
    ['/trax.js', 'text/javascript; charset=utf-8'],
    ['/tfjs-backend-wasm.wasm', 'application/wasm'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/', 'text/html; charset=utf-8'],
  ])('%s is served as %s, with COOP/COEP', async (path, type) => {
    const r = await rawRequest(server.url, path);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
  });

  test('serves the bytes of a binary file unchanged, and HEAD without a body', async () => {
    const r = await rawRequest(server.url, '/tfjs-backend-wasm.wasm');
    expect(Buffer.from(r.body, 'latin1')).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const head = await rawRequest(server.url, '/tfjs-backend-wasm.wasm', 'HEAD');
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, '8', '']);
  });

  test('404 for a missing file, 301 to the slash form of a folder, 405 for POST', async () => {
    expect((await rawRequest(server.url, '/missing.js')).status).toBe(404);
    const folder = await rawRequest(server.url, '/chunks');
    expect([folder.status, folder.headers['location']]).toEqual([301, '/chunks/']);
    expect((await rawRequest(server.url, '/chunks/')).status).toBe(404);
    expect((await rawRequest(server.url, '/trax.js', 'POST')).status).toBe(405);
  });

  test('crossOriginIsolated: false serves the same files without COOP/COEP/CORP, every other header kept', async () => {
    const plain = await startServer({ root, crossOriginIsolated: false });
    try {
      for (const path of ['/trax.js', '/missing.js']) {
        const r = await rawRequest(plain.url, path);
        expect(r.headers['cross-origin-opener-policy']).toBeUndefined();
        expect(r.headers['cross-origin-embedder-policy']).toBeUndefined();
        expect(r.headers['cross-origin-resource-policy']).toBeUndefined();
        expect(r.headers['cache-control']).toBe('no-store');
      }
      expect((await rawRequest(plain.url, '/trax.js')).body).toBe('export const x = 1;\n');
    } finally {
      await plain.close();
    }
  });

  test('nothing outside the root is reachable', async () => {
    const name = `${root.split('/').pop()}-secret.txt`;
    for (const path of [`/../${name}`, `/%2e%2e/${name}`, `/..%2f${name}`, `/chunks/..%2f..%2f${name}`, '/%00']) {
      const r = await rawRequest(server.url, path);
      expect([path, r.status === 403 || r.status === 404 || r.status === 400]).toEqual([path, true]);
      expect(r.body).not.toContain('TOP-SECRET-CONTENT');
    }
  });
});
