#!/usr/bin/env node
// Builds the library: dist/index.js (an ESM bundle of src/, dependencies external; tfjs-core's registration files
// bundled so that plain Node can load it) and type declarations under build/types for API Extractor, which rolls
// them up into dist/index.d.ts.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { nodeOptions } from './esbuild_options.mjs';

rmSync('dist', { recursive: true, force: true });
rmSync('build/types', { recursive: true, force: true });
await build({
  ...nodeOptions,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  banner: undefined,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
});
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
console.log('built dist/index.js and build/types');
