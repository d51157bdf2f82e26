/**
 * A small static file server for the browser build and its pages (node:http only).
 *
 * It serves the files under one folder (by default build/browser/, the output of scripts/build_browser.mjs),
 * with the MIME types browsers insist on (`application/wasm` for WebAssembly streaming compilation,
 * `text/javascript` for modules) and the cross-origin isolation headers (COOP/COEP) that make
 * `SharedArrayBuffer` available, so tfjs-backend-wasm can load its threaded binary. It binds 127.0.0.1 only.
 *
 * Other folders can be mounted at URL prefixes (`mounts: { '/model/': 'runs/ner/model' }`): that is how the demo
 * page finds an exported model directory that lives outside the build.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

/** MIME types by file extension; anything else is served as `application/octet-stream`. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.bin': 'application/octet-stream',
};

/** The cross-origin isolation headers (COOP/COEP, and CORP for the page's own resources). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Headers sent with every response: cross-origin isolation, and no caching (the build changes under it). */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  ...ISOLATION_HEADERS,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/** {@link COMMON_HEADERS} without the cross-origin isolation headers. */
const UNISOLATED_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(COMMON_HEADERS).filter(([name]) => !(name in ISOLATION_HEADERS)),
);

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The folder to serve. */
  root: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Folders served at URL prefixes instead of the same path under `root`: `{ '/model/': '/path/to/model' }`
   * serves `/model/tagger.json` from `/path/to/model/tagger.json`. Prefixes start and end with `/`; the longest
   * matching one wins. Nothing outside a mounted folder is reachable through it.
   */
  mounts?: Readonly<Record<string, string>>;
  /** Called once per request after the response is sent, e.g. for logging. */
  onRequest?: (method: string, path: string, status: number) => void;
  /**
   * Whether to send the cross-origin isolation headers (default true): without them pages have no
   * `SharedArrayBuffer`, and the wasm backend runs its single-threaded binary.
   */
  crossOriginIsolated?: boolean;
}

/** A running server. */
export interface StaticServer {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts serving `options.root`; resolves once listening. */
export async function startServer(options: ServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const mounts = Object.entries(options.mounts ?? {})
    .map(([prefix, dir]) => {
      if (!/^\/(.+\/)?$/.test(prefix) || prefix === '/')
        throw new Error(`startServer: a mount prefix must start and end with '/' (and not be '/'), got '${prefix}'`);
      return { prefix, dir: resolve(dir) };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const headers = options.crossOriginIsolated === false ? UNISOLATED_HEADERS : COMMON_HEADERS;
  const server = createServer((req, res) => {
    handle(root, mounts, headers, req, res).then(
      (status) => options.onRequest?.(req.method ?? '', req.url ?? '', status),
      (error: unknown) => {
        if (!res.headersSent) send(res, headers, 500, `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
        else res.destroy();
        options.onRequest?.(req.method ?? '', req.url ?? '', 500);
      },
    );
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((error) => (error ? reject(error) : resolveClose()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, headers: Readonly<Record<string, string>>, status: number, body: string): number {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

async function handle(
  root: string,
  mounts: ReadonlyArray<{ prefix: string; dir: string }>,
  headers: Readonly<Record<string, string>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<number> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, headers, 405, 'method not allowed\n');
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(res, headers, 400, 'bad request\n');
  }
  if (pathname.includes('\0')) return send(res, headers, 400, 'bad request\n');
  let base = root;
  let rest = pathname;
  const mount = mounts.find((m) => pathname.startsWith(m.prefix) || `${pathname}/` === m.prefix);
  if (mount) {
    base = mount.dir;
    rest = pathname.slice(mount.prefix.length - 1) || '/';
  }
  let file = resolve(join(base, rest));
  if (file !== base && !file.startsWith(base + sep)) return send(res, headers, 403, 'forbidden\n');
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      res.writeHead(301, { ...headers, Location: `${pathname}/` });
      res.end();
      return 301;
    }
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return send(res, headers, 404, `not found: ${pathname}\n`);
  res.writeHead(200, {
    ...headers,
    'Content-Type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return 200;
  }
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(file);
    stream.on('error', fail);
    res.on('close', done);
    stream.pipe(res);
  });
  return 200;
}
