/**
 * Data-parallel training of the NER tagger (Node): the `dataParallel` option of a `Loop` whose gradient workers
 * build the tagger's replica (`nerReplica`), from the library's worker entry `ner_gradient_worker.js`.
 */
import { pathToFileURL } from 'node:url';
import type { DataParallelOptions } from '../../parallel/data_parallel_trainer.js';
import { libraryWorkerModule } from '../../parallel/worker_thread.js';
import type { NerReplicaInit } from './ner_replica.js';

/** This module's URL: `import.meta.url`, or where the sources run as CommonJS (jest) its file's. */
const here = (): string => (typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url);

/**
 * The `dataParallel` option that trains a NER tagger model on `workers` threads (this one and `workers - 1`
 * workers, each building the same model from `replica`). `workerModule`: where `ner_gradient_worker.js` is when you
 * bundle trax-ts into your own program (default: beside the library's bundle, or its TypeScript source in tests).
 *
 * @example
 * ```ts
 * const loop = await Loop(model, task, { dataParallel: ner.nerDataParallel(2, { config, sizes }) });
 * ```
 * @public
 */
export function nerDataParallel(
  workers: number,
  replica: NerReplicaInit,
  options: { workerModule?: URL | string; signal?: AbortSignal } = {},
): DataParallelOptions<NerReplicaInit> {
  const module = options.workerModule ?? libraryWorkerModule(here(), './ner_gradient_worker.ts', './ner_gradient_worker.js');
  return { workers, module, init: replica, ...(options.signal ? { signal: options.signal } : {}) };
}
