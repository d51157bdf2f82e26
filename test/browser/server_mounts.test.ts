/** browser/server.ts's mounts (how the demo page reaches a model directory outside the build), in Node alone. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StaticServer, startServer } from '../../browser/server.js';
import { rawRequest } from './raw_request.js';

describe('browser/server.ts mounts', () => {
  let base: string;
  let server: StaticServer;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'trax-mounts-'));
    for (const dir of ['site/demo', 'site/model', 'model', 'models/a', 'other']) mkdirSync(join(base, dir), { recursive: true });
    writeFileSync(join(base, 'site', 'demo', 'index.html'), '<!doctype html><p>demo</p>');
    writeFileSync(join(base, 'site', 'model', 'tagger.json'), '{"from":"site"}');
    writeFileSync(join(base, 'model', 'tagger.json'), '{"from":"mount"}');
    writeFileSync(join(base, 'model', 'weights.bin'), Buffer.from([1, 2, 3, 4]));
    writeFileSync(join(base, 'models', 'a', 'tagger.json'), '{"from":"models/a"}');
    writeFileSync(join(base, 'other', 'secret.txt'), 'TOP-SECRET-CONTENT');
    server = await startServer({
      root: join(base, 'site'),
      mounts: { '/model/': join(base, 'model'), '/models/': join(base, 'models'), '/models/a/': join(base, 'models', 'a') },
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(base, { recursive: true, force: true });
  });

  test('a mounted folder is served at its prefix (over the same path under the root), with its MIME types and COOP/COEP', async () => {
    const manifest = await rawRequest(server.url, '/model/tagger.json');
    expect([manifest.status, manifest.body, manifest.headers['content-type']]).toEqual([
      200,
      '{"from":"mount"}',
      'application/json; charset=utf-8',
    ]);
    expect(manifest.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const weights = await rawRequest(server.url, '/model/weights.bin');
    expect([weights.status, weights.headers['content-type'], Buffer.from(weights.body, 'latin1')]).toEqual([
      200,
      'application/octet-stream',
      Buffer.from([1, 2, 3, 4]),
    ]);
    expect((await rawRequest(server.url, '/models/a/tagger.json')).body).toBe('{"from":"models/a"}');
    expect((await rawRequest(server.url, '/demo/')).status).toBe(200);
  });

  test('a missing file under a mount is 404; the bare prefix redirects to its slash form', async () => {
    expect((await rawRequest(server.url, '/model/vocabs.json')).status).toBe(404);
    const bare = await rawRequest(server.url, '/model');
    expect([bare.status, bare.headers['location']]).toEqual([301, '/model/']);
  });

  test('nothing outside a mounted folder is reachable through it', async () => {
    for (const path of [
      '/model/..%2fother%2fsecret.txt',
      '/model/%2e%2e/other/secret.txt',
      '/models/a/..%2f..%2fother/secret.txt',
      '/model/..%2f..%2f..%2fetc%2fpasswd',
    ]) {
      const r = await rawRequest(server.url, path);
      expect([path, r.status === 403 || r.status === 404]).toEqual([path, true]);
      expect(r.body).not.toContain('TOP-SECRET-CONTENT');
    }
  });

  test('a prefix must start and end with a slash', async () => {
    await expect(startServer({ root: base, mounts: { '/model': base } })).rejects.toThrow(/must start and end with '\/'/);
    await expect(startServer({ root: base, mounts: { '/': base } })).rejects.toThrow(/must start and end with '\/'/);
  });
});
