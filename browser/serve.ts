/**
 * Serves the browser build: `node scripts/run.mjs browser/serve.ts [--port 8080] [--root build/browser]
 * [--model DIR]` (after `node scripts/build_browser.mjs`; `npm run demo -- --model DIR` does both). Port 0 picks a
 * free port. Prints the URLs, then one line per request (`--quiet`: none).
 *
 * `--model DIR` serves an exported NER tagger directory (tagger.json, vocabs.json, weights.bin) at `/model/`, where
 * the demo page (`/demo/`) loads it from; DIR may also be a training output directory holding `model/`. Without
 * `--model`, the recipe's default export `runs/ner/model` is served when it exists.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer } from './server.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** The exported tagger directory to serve at /model/, or undefined (the demo page then says there is none). */
function modelDirectory(): string | undefined {
  const given = option('model', '');
  const candidates = given ? [given] : ['runs/ner/model', 'runs/ner-best/model'];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'tagger.json'))) return resolve(dir);
    if (existsSync(join(dir, 'model', 'tagger.json'))) return resolve(dir, 'model');
  }
  if (given) {
    console.error(
      `serve: warning: ${resolve(given)} holds no tagger.json (nor model/tagger.json); the demo page will say why it cannot load it`,
    );
    return resolve(given);
  }
  return undefined;
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
const model = modelDirectory();
const quiet = process.argv.includes('--quiet');
const server = await startServer({
  root,
  port,
  ...(model ? { mounts: { '/model/': model } } : {}),
  onRequest: quiet ? undefined : (method, path, status) => console.log(`${status} ${method} ${path}`),
});
console.log(`serving ${root} at ${server.url} (Ctrl-C to stop)`);
console.log(
  `  demo:   ${server.url}demo/${model ? `  (model: ${model}, served at /model/)` : '  (no model: train one with `npm run ner`, or pass --model DIR)'}`,
);
console.log(`  checks: ${server.url}test.html`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
