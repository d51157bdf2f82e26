#!/usr/bin/env node
// Runs a TypeScript entry point (a recipe, a benchmark) under Node: bundles it with esbuild into build/run/,
// then imports it with the remaining arguments. Usage: node scripts/run.mjs bench/memory.ts [args...]
import { build } from 'esbuild';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeOptions } from './esbuild_options.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const outfile = resolve('build/run', basename(entry).replace(/\.ts$/, '.mjs'));
await build({ ...nodeOptions, entryPoints: [entry], outfile });
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
