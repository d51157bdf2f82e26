/**
 * The NER tagger model and its loss as a data-parallel replica: what `nerDataParallel` tells each gradient worker
 * to build (the weights are the main thread's, copied in before every step, so the replica starts from any).
 */
import type { Layer } from '../../core/base.js';
import type { NerModelConfig } from './config.js';
import { NerLoss, NerTaggerModel } from './build.js';
import type { NerModelSizes } from './token_embedding.js';

/** What a NER gradient worker builds its replica from. @public */
export interface NerReplicaInit {
  /** The model's configuration (as the trained model's). */
  readonly config: Partial<NerModelConfig>;
  /** Its vocabulary sizes. */
  readonly sizes: NerModelSizes;
  /** Whether the word vectors are frozen (a non-trainable layer, as in the trained model). */
  readonly freezeVectors?: boolean;
}

/** The replica of a NER tagger model in train mode, and its loss layer (what a NER gradient worker builds). @public */
export function nerReplica(init: NerReplicaInit): { model: Layer; lossLayer: Layer } {
  return {
    model: NerTaggerModel(init.config, init.sizes, 'train', { freeze: init.freezeVectors ?? false }),
    lossLayer: NerLoss(init.config, init.sizes.nTags),
  };
}
