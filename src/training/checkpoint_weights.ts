/**
 * A checkpoint's weights into models that are not a training loop: a tagger, a predict-mode language model, an
 * evaluation script. The loop writes the model's weights under their own paths and each train task's loss-layer
 * weights under {@link lossWeightsPrefix}; this module reads them back through `loadNamedWeights`, so a user never
 * parses checkpoint files or matches weight names.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { loadNamedWeights } from '../core/load_named_weights.js';
import type { Tensor } from '../core/types.js';
import { readCheckpoint } from './checkpoint.js';
import { CheckpointError, type CheckpointInfo, lossWeightsPrefix } from './checkpoint_format.js';

const LOSS_PATHS = 'loss/';

/** The layers {@link loadCheckpointWeights} fills. @public */
export interface CheckpointLayers {
  /** The model: takes the checkpoint's model weights (initialised, same paths and shapes; its mode may differ). */
  readonly model: Layer;
  /**
   * Loss layers by train task (initialised), for those whose weights you want (a CRF's, to decode with): task `i`'s
   * take the weights under `lossWeightsPrefix(i)`, which must fit exactly. Leave a task out (or undefined) to skip it.
   */
  readonly losses?: ReadonlyArray<Layer | undefined>;
}

/**
 * Loads the weights of the checkpoint directory `dir` (written by `Loop`, see `writeCheckpoint`) into `layers`:
 * the model's by path (every path of the model must be in the checkpoint with its shape and dtype; the loss
 * layers' paths, optimizer slots and state are not the model's and are left out), and each given loss layer's from
 * its task's prefix. Frees every checkpoint tensor the layers did not take. Throws a {@link CheckpointError}
 * naming each weight that does not fit; the model may then already hold the checkpoint's weights if a loss layer
 * is what failed. Returns the checkpoint's step and metadata.
 *
 * @example
 * ```ts
 * const model = NerTaggerModel(config, sizes, 'eval');
 * model.init(signature);
 * const crf = FastCrfLoss(sizes.nTags);
 * crf.init(lossSignature);
 * const { step } = await loadCheckpointWeights('runs/a/best_dev_f1', { model, losses: [crf] });
 * const params = crf.crfParameters();   // the CRF's scores, to decode with
 * ```
 * @public
 */
export async function loadCheckpointWeights<M = unknown>(dir: string, layers: CheckpointLayers): Promise<CheckpointInfo<M>> {
  const { step, tensors, meta } = await readCheckpoint<M>(dir);
  const used = new Set<Tensor>();
  const error = (message: string): Error => new CheckpointError(message);
  const source = `checkpoint ${dir}`;
  try {
    const modelWeights = new Map([...tensors.weights].filter(([p]) => !p.startsWith(LOSS_PATHS)));
    for (const t of loadNamedWeights(layers.model, modelWeights, { source, unknownPaths: 'ignore', error })) used.add(t);
    (layers.losses ?? []).forEach((loss, task) => {
      if (!loss) return;
      for (const t of loadNamedWeights(loss, tensors.weights, { source, prefix: lossWeightsPrefix(task), error })) used.add(t);
    });
  } finally {
    for (const group of Object.values(tensors)) tf.dispose([...group.values()].filter((t) => !used.has(t)));
  }
  return { step, meta };
}
