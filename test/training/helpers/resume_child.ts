/**
 * Run in a fresh Node process (bundled by scripts/run.mjs): builds the resume tests' loop on a directory (which
 * restores its checkpoint), runs more steps and writes the weights and history as JSON.
 * Usage: node scripts/run.mjs test/training/helpers/resume_child.ts <outputDir> <steps> <backend> <out.json>
 */
import { writeFileSync } from 'node:fs';
import { useBackend, type BackendName } from '../../../src/backend/backends.js';
import { makeLoop, snapshot } from './tagging.js';

const [outputDir, steps, backend, outFile] = process.argv.slice(2);
await useBackend(backend as BackendName);
const loop = await makeLoop({ outputDir });
const restoredAt = loop.step;
await loop.run(Number(steps));
writeFileSync(outFile!, JSON.stringify({ restoredAt, ...snapshot(loop) }));
