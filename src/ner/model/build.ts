/**
 * The tagger model and its loss, built from a configuration.
 */
import { namedSerial, type SerialLayer } from '../../combinators/serial.js';
import type { Layer } from '../../core/base.js';
import { Dense, LogSoftmax } from '../../layers/core/index.js';
import { CrossEntropyLoss } from '../../metrics/losses.js';
import type { Mode } from '../../core/types.js';
import { type NerModelConfig, resolveNerModelConfig } from './config.js';
import { nerEncoderLayers } from './encoder.js';
import { FastCrfLoss } from '../../layers/fast_crf_loss.js';
import { type NerModelSizes, TokenEmbedding, type WordEmbeddingOptions } from './token_embedding.js';

function checkSizes(sizes: NerModelSizes): void {
  for (const [name, value, min] of [
    ['wordVocabSize', sizes.wordVocabSize, 3],
    ['charVocabSize', sizes.charVocabSize, 2],
    ['nTags', sizes.nTags, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new RangeError(`NER model: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/**
 * The tagger: `Serial(TokenEmbedding, encoder, Dense(nTags), LogSoftmax)`, taking token features
 * `int32 [B, L, F]` (see `featureLayout`; padding rows are all 0) and giving per-token tag log-probabilities
 * `[B, L, nTags]`; with `crf`, the `LogSoftmax` is left out and the output is the CRF's emission scores. With
 * `bilstm`, a `PaddedBiLSTM(dModel)` (named `BiLSTM`) sits between `TokenEmbedding` and the encoder, at index 1;
 * without it the layers and weight paths are those of models saved before the setting existed.
 *
 * The encoder is the one `encoder` names (see `NerEncoder`): by default trax-ts's `ReformerEncoder` with the
 * configured attention, reversibility and dropout, with the layers and weight paths of models saved before the
 * setting existed; `'transformer'` a `TransformerEncoder`, `'bilstm'` a `BiLSTMEncoder`, `'cnn'` an
 * `IdCnnEncoder`. Every encoder masks padding (word id 0). Named `NerTagger`. `words` starts the word embedding
 * from pretrained vectors and may freeze it (see `TokenEmbedding`).
 * @public
 */
export function NerTaggerModel(
  config: Partial<NerModelConfig>,
  sizes: NerModelSizes,
  mode: Mode = 'train',
  words: WordEmbeddingOptions = {},
): SerialLayer {
  const c = resolveNerModelConfig(config);
  checkSizes(sizes);
  const layers: Layer[] = [TokenEmbedding(c, sizes, words), ...nerEncoderLayers(c, mode), Dense(sizes.nTags)];
  if (!c.crf) layers.push(LogSoftmax());
  const model = namedSerial('NerTagger', layers);
  model.mode = mode;
  return model;
}

/**
 * The training loss of a tagger: with `crf`, the CRF's negative log-likelihood (`FastCrfLoss(nTags)`: `CrfLoss`
 * computed on the host, same weights and values; the training loop trains its transition weights with the model),
 * else `CrossEntropyLoss()` on the log-probabilities; both weighted so that padding never counts.
 * @public
 */
export function NerLoss(config: Partial<NerModelConfig>, nTags: number): Layer {
  return resolveNerModelConfig(config).crf ? FastCrfLoss(nTags) : CrossEntropyLoss();
}
