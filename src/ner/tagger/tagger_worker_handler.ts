/**
 * What a worker of `NerTaggerPool` does: loads the tagger from the files the pool sends (an exported tagger's, see
 * `taggerFiles`) on the pool's backend, then tags the batches it is sent (`NerTagger.tagPieces`). The worker entry
 * (tagger_worker.ts) serves it.
 */
import { type BackendName, useBackend } from '../../backend/backends.js';
import type { WorkerHandler } from '../../parallel/serve_worker.js';
import { loadTagger } from '../export/load.js';
import type { DecodedTags } from './decode.js';
import type { NerTagger } from './ner_tagger.js';
import type { TaggingPiece } from './tagging_plan.js';

/** What each worker of a tagger pool starts from. @internal */
export interface TaggerWorkerInit {
  /** The exported tagger's files by name (`taggerFiles`). */
  readonly files: ReadonlyMap<string, string | Uint8Array>;
  /** The backend to tag on. */
  readonly backend: BackendName;
}

/** The tagger pool's worker handler. @internal */
export const taggerWorkerHandler: WorkerHandler<TaggerWorkerInit, readonly TaggingPiece[], DecodedTags[], NerTagger> = {
  async init({ files, backend }, worker) {
    await useBackend(backend);
    return loadTagger(
      async (name) => {
        const file = files.get(name);
        if (file === undefined) throw new Error(`the pool sent no file '${name}'`);
        return file;
      },
      `the tagger of pool worker ${worker.index + 1}`,
    );
  },
  handle: (batch, tagger) => tagger.tagPieces(batch),
};
