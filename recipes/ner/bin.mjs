#!/usr/bin/env node
// trax-ner: the NER recipe's command line (train, eval, predict, export). Runs recipes/ner.ts through
// scripts/run.mjs, which bundles it with esbuild into build/run/ first.
import { fileURLToPath } from 'node:url';

process.argv.splice(2, 0, fileURLToPath(new URL('../ner.ts', import.meta.url)));
await import('../../scripts/run.mjs');
