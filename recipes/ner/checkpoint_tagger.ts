/**
 * A tagger from a training checkpoint: the model's weights by path, and the CRF's from the loss layer's.
 */
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import type { CrfParameters } from '../../src/layers/crf.js';
import { disposeTree, namedTensors, treeFromNamed } from '../../src/layers/tensor_tree.js';
import type { NerVocabs } from '../../src/ner/dataset/vocabs.js';
import { NerTaggerModel } from '../../src/ner/model/build.js';
import type { NerModelConfig } from '../../src/ner/model/config.js';
import { featureLayout } from '../../src/ner/model/features.js';
import { NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { CheckpointError, readCheckpoint } from '../../src/training/checkpoint.js';

/** The CRF parameters in a tree `{ transitions, start, end }` (a CrfLoss layer's weights), read to the host. */
export function crfParametersOf(weights: Record<string, unknown>): CrfParameters {
  const read = (name: string): Float32Array => {
    const t = weights[name];
    if (!(t instanceof tf.Tensor)) throw new Error(`the CRF weights have no '${name}'`);
    return t.dataSync() as Float32Array;
  };
  return { transitions: read('transitions'), start: read('start'), end: read('end') };
}

/** Builds a tagger (model in mode eval) from the checkpoint directory `dir` of a run with this config and vocabularies. */
export async function taggerFromCheckpoint(dir: string, config: NerModelConfig, vocabs: NerVocabs): Promise<NerTagger> {
  const { tensors } = await readCheckpoint(dir);
  const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  const model = NerTaggerModel(config, sizes, 'eval');
  model.init({ shape: [1, 1, featureLayout(config).width], dtype: 'int32' });
  const initial = model.weights;
  const found = tensors.weights;
  const missing = [...namedTensors(model, initial).keys()].filter((p) => !found.has(p));
  if (missing.length > 0) throw new CheckpointError(`checkpoint ${dir} does not fit the model: missing ${missing.slice(0, 5).join(', ')}`);
  const used = new Set<tf.Tensor>();
  model.weights = treeFromNamed(model, initial, (p) => {
    const t = found.get(p)!;
    used.add(t);
    return t;
  });
  disposeTree(initial);
  let crf: CrfParameters | undefined;
  if (config.crf) {
    const prefix = [...found.keys()].find((p) => /^loss\/0\/CrfLoss_\d+\/transitions$/.test(p))?.replace(/transitions$/, '');
    if (!prefix) throw new CheckpointError(`checkpoint ${path.resolve(dir)} has no CRF weights (loss/0/CrfLoss_*/transitions)`);
    crf = crfParametersOf({ transitions: found.get(`${prefix}transitions`), start: found.get(`${prefix}start`), end: found.get(`${prefix}end`) });
  }
  for (const group of Object.values(tensors)) tf.dispose([...group.values()].filter((t) => !used.has(t)));
  return new NerTagger({ model, config, vocabs, ...(crf ? { crf } : {}) });
}
