#!/usr/bin/env node
// Runs a TypeScript entry point (a recipe, a benchmark) under Node: bundles it with esbuild into build/run/, with
// the library's worker entries beside it (where the library finds them: esbuild_options.mjs, workerEntries) and
// the program's own (`--worker <entry.ts>`, each bundled beside it as <name>.js: a WorkerPool module the program
// starts from `new URL('./<name>.js', import.meta.url)`), then imports it with the remaining arguments.
// Usage: node scripts/run.mjs [--worker <worker.ts>]... bench/memory.ts [args...]
import { build } from 'esbuild';
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeOptions, workerEntries } from './esbuild_options.mjs';

const argv = process.argv.slice(2);
const programWorkers = {};
while (argv[0] === '--worker' && argv[1]) {
  programWorkers[basename(argv[1]).replace(/\.ts$/, '')] = argv[1];
  argv.splice(0, 2);
}
const [entry, ...args] = argv;
if (!entry || entry.startsWith('--')) {
  console.error('usage: node scripts/run.mjs [--worker <worker.ts>]... <entry.ts> [args...]');
  process.exit(2);
}
const outfile = resolve('build/run', basename(entry).replace(/\.ts$/, '.mjs'));
// Written to a temporary name and renamed, so that processes bundling the same entry at once (or worker threads
// loading the bundle while another process rebuilds it) never see a partly written file.
const bundles = await Promise.all([
  build({ ...nodeOptions, entryPoints: [entry], outfile, write: false }),
  build({ ...nodeOptions, entryPoints: { ...workerEntries, ...programWorkers }, outdir: dirname(outfile), write: false }),
]);
for (const file of bundles.flatMap((b) => b.outputFiles)) {
  mkdirSync(dirname(file.path), { recursive: true });
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
