/**
 * Serves the browser build: `node scripts/run.mjs browser/serve.ts [--port 8080] [--root build/browser]`
 * (after `node scripts/build_browser.mjs`). Port 0 picks a free port. Prints the URL, then one line per request.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startServer } from './server.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const root = resolve(option('root', 'build/browser'));
const port = Number(option('port', process.env.PORT ?? '8080'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: --port must be an integer in 0..65535, got ${option('port', '')}`);
  process.exit(2);
}
if (!existsSync(root)) {
  console.error(`serve: ${root} does not exist; build it first with: node scripts/build_browser.mjs`);
  process.exit(1);
}
const quiet = process.argv.includes('--quiet');
const server = await startServer({
  root,
  port,
  onRequest: quiet ? undefined : (method, path, status) => console.log(`${status} ${method} ${path}`),
});
console.log(`serving ${root} at ${server.url} (Ctrl-C to stop)`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
