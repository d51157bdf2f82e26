/**
 * The worker entry of `NerTaggerPool` (see tagger_worker_handler.ts). Bundled beside the library as
 * `ner_tagger_worker.js` (scripts/build.mjs, scripts/run.mjs); run from this TypeScript source in tests.
 */
import { serveWorker } from '../../parallel/serve_worker.js';
import { taggerWorkerHandler } from './tagger_worker_handler.js';

serveWorker(taggerWorkerHandler);
