/**
 * The recipe's model: a character-level ReformerLM, its bits-per-character metric, and the same model rebuilt
 * from a checkpoint (for sampling and `generate`).
 */
import {
  CrossEntropyLoss,
  disposeTree,
  Fn,
  type Layer,
  loadCheckpointWeights,
  type Mode,
  namedSerial,
  ReformerLM,
  tf,
} from '../../src/index.js';
import type { LmModelSettings } from './options.js';

/** The ReformerLM of the settings over `vocabSize` ids, for sequences of up to `maxLen` positions. */
export function lmModel(settings: LmModelSettings, vocabSize: number, maxLen: number, mode: Mode): Layer {
  const { dModel, dFf, nLayers, nHeads, attention, chunkLen, dropout } = settings;
  return ReformerLM({
    vocabSize,
    dModel,
    dFf,
    nLayers,
    nHeads,
    dropout,
    attentionType: attention,
    chunkLen,
    maxLen,
    mode,
    ...(attention === 'lsh' ? { nHashes: 1 } : {}),
  });
}

/**
 * Bits per character: the cross-entropy (in nats) of the log-probabilities with the targets, over ln 2.
 * `(logProbs, targets, weights) -> scalar`, named `BitsPerCharacter`.
 */
export function BitsPerCharacter(): Layer {
  return namedSerial('BitsPerCharacter', [CrossEntropyLoss(), Fn('NatsToBits', (nats) => tf.div(nats, Math.LN2))]);
}

/**
 * A predict-mode copy of `model` (same settings) for decoding `maxLen` positions at a time; give it weights with
 * {@link shareWeights}.
 */
export function predictModel(settings: LmModelSettings, vocabSize: number, maxLen: number): Layer {
  const model = lmModel(settings, vocabSize, maxLen, 'predict');
  model.init({ shape: [1, maxLen], dtype: 'int32' });
  return model;
}

/** Gives `predict` the weights of `trained` (shared tensors, not copies), freeing the ones it had of its own. */
export function shareWeights(predict: Layer, trained: Layer, owned: { initial: boolean }): void {
  const initial = predict.weights;
  predict.weights = trained.weights;
  if (owned.initial) disposeTree(initial);
  owned.initial = false;
}

/** A predict-mode model with the weights of the checkpoint in `dir` (refuses a checkpoint that does not fit). */
export async function predictModelFromCheckpoint(
  dir: string,
  settings: LmModelSettings,
  vocabSize: number,
  maxLen: number,
): Promise<Layer> {
  const model = predictModel(settings, vocabSize, maxLen);
  try {
    await loadCheckpointWeights(dir, { model });
  } catch (error) {
    disposeTree(model.weights);
    throw error;
  }
  return model;
}
