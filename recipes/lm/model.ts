/**
 * The recipe's model: a character-level ReformerLM, its bits-per-character metric, and the same model rebuilt
 * from a checkpoint (for sampling and `generate`).
 */
import {
  CrossEntropyLoss, disposeTree, Fn, type Layer, type Mode, namedSerial, namedTensors, readCheckpoint, ReformerLM, tf, treeFromNamed,
} from '../../src/index.js';
import type { LmModelSettings } from './options.js';

/** The ReformerLM of the settings over `vocabSize` ids, for sequences of up to `maxLen` positions. */
export function lmModel(settings: LmModelSettings, vocabSize: number, maxLen: number, mode: Mode): Layer {
  const { dModel, dFf, nLayers, nHeads, attention, chunkLen, dropout } = settings;
  return ReformerLM({
    vocabSize, dModel, dFf, nLayers, nHeads, dropout, attentionType: attention, chunkLen, maxLen, mode,
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
export async function predictModelFromCheckpoint(dir: string, settings: LmModelSettings, vocabSize: number, maxLen: number): Promise<Layer> {
  const { tensors } = await readCheckpoint(dir);
  const model = predictModel(settings, vocabSize, maxLen);
  const initial = model.weights;
  const found = tensors.weights;
  const expected = namedTensors(model, initial);
  const missing = [...expected.keys()].filter((p) => !found.has(p));
  if (missing.length > 0) throw new Error(`checkpoint ${dir} does not fit the model: it lacks ${missing.slice(0, 3).join(', ')}`);
  const used = new Set<tf.Tensor>();
  model.weights = treeFromNamed(model, initial, (p, like) => {
    const t = found.get(p)!;
    if (t.shape.join(',') !== like.shape.join(',')) throw new Error(`checkpoint ${dir}: ${p} has shape [${t.shape.join(', ')}], the model wants [${like.shape.join(', ')}]`);
    used.add(t);
    return t;
  });
  disposeTree(initial);
  for (const group of Object.values(tensors)) tf.dispose([...group.values()].filter((t) => !used.has(t)));
  return model;
}
