#!/usr/bin/env node
// Runs a TypeScript entry point (a recipe, a benchmark) under Node: bundles it with esbuild into build/run/, with
// the library's worker entries beside it (where the library finds them: esbuild_options.mjs, workerEntries), then
// imports it with the remaining arguments. Usage: node scripts/run.mjs bench/memory.ts [args...]
import { build } from 'esbuild';
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeOptions, workerEntries } from './esbuild_options.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const outfile = resolve('build/run', basename(entry).replace(/\.ts$/, '.mjs'));
// Written to a temporary name and renamed, so that processes bundling the same entry at once (or worker threads
// loading the bundle while another process rebuilds it) never see a partly written file.
const bundles = await Promise.all([
  build({ ...nodeOptions, entryPoints: [entry], outfile, write: false }),
  build({ ...nodeOptions, entryPoints: workerEntries, outdir: dirname(outfile), write: false }),
]);
for (const file of bundles.flatMap((b) => b.outputFiles)) {
  mkdirSync(dirname(file.path), { recursive: true });
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
