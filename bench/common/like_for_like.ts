/**
 * The like-for-like configuration of the NER tagger: the recipe's model configured as the benchmark's peers are
 * (Embedding 128, 2 pre-LN-style blocks, 4 heads, d_ff 512, ReLU, full attention, reversible off, no CRF, no
 * character or shape features, no dropout). bench/ner.ts times it against PyTorch's `ner_torch.py`; its weights map
 * one to one to `ner_trax_torch.py`'s `TraxTagger` (see `ner.NER_TORCH_MAPPING`).
 */
import { ner } from '../../src/index.js';

export const LIKE_FOR_LIKE: Partial<ner.NerModelConfig> = Object.freeze({
  nLayers: 2,
  dModel: 128,
  dFf: 512,
  nHeads: 4,
  attention: 'full',
  reversible: false,
  crf: false,
  charFeatures: false,
  wordShapes: false,
  dropout: 0,
  ffActivation: 'relu',
  maxLen: 128,
});
