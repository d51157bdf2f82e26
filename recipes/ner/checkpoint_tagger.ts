/**
 * A tagger from a training checkpoint: the model's weights, and for a CRF model the CRF's scores from the loss
 * layer's weights, both loaded by the library (`loadCheckpointWeights`).
 */
import { CrfLossLayer, type CrfParameters, disposeTree, loadCheckpointWeights, ner } from '../../src/index.js';

/** Builds a tagger (model in mode eval) from the checkpoint directory `dir` of a run with this config and vocabularies. */
export async function taggerFromCheckpoint(dir: string, config: ner.NerModelConfig, vocabs: ner.NerVocabs): Promise<ner.NerTagger> {
  const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  const model = ner.NerTaggerModel(config, sizes, 'eval');
  model.init({ shape: [1, 1, ner.featureLayout(config).width], dtype: 'int32' });
  const loss = ner.NerLoss(config, sizes.nTags);
  const crfLoss = loss instanceof CrfLossLayer ? loss : undefined;
  crfLoss?.init([
    { shape: [1, 1, sizes.nTags], dtype: 'float32' },
    { shape: [1, 1], dtype: 'int32' },
    { shape: [1, 1], dtype: 'float32' },
  ]);
  let crf: CrfParameters | undefined;
  try {
    await loadCheckpointWeights(dir, { model, losses: [crfLoss] });
    crf = crfLoss?.crfParameters();
  } catch (error) {
    disposeTree(model.weights);
    throw error;
  } finally {
    if (crfLoss) disposeTree(crfLoss.weights);
  }
  return new ner.NerTagger({ model, config, vocabs, ...(crf ? { crf } : {}) });
}
