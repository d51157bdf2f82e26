/**
 * Non-trainable layers (`layer.trainable = false`): the training loop neither differentiates nor updates their
 * weights (no Adam step, no weight decay, no averaging drift), while the other weights train.
 */
import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LogSoftmax, Relu } from '../../src/layers/core/index.js';
import { CrossEntropyLoss } from '../../src/metrics/losses.js';
import { nonTrainableWeights } from '../../src/core/non_trainable.js';
import { flattenTree } from '../../src/core/tensor_tree.js';
import { Adam, AVERAGE_SLOT, SGD } from '../../src/optimizers/index.js';
import { Loop, TrainTask } from '../../src/training/index.js';
import { N_TAGS, VOCAB, taggingData } from './helpers/tagging.js';

describe('non-trainable layers', () => {
  beforeAll(() => useBackend('wasm'));

  test('nonTrainableWeights lists the weights of frozen layers and their sublayers', () => {
    const embedding = Embedding(VOCAB, 4);
    const head = Serial(Dense(3), Relu());
    const model = Serial(embedding, head);
    model.init({ shape: [2, 5], dtype: 'int32' });
    expect(nonTrainableWeights(model)).toEqual([]);
    embedding.trainable = false;
    expect(nonTrainableWeights(model)).toEqual([embedding.weights['w']]);
    head.trainable = false;
    expect(nonTrainableWeights(model)).toHaveLength(3);
    expect(model.clone().sublayers[0]!.trainable).toBe(false);
    tf.dispose(flattenTree(model.weights).map(([, t]) => t));
  });

  test('a frozen embedding is bit-identical after Adam steps with weight decay and averaging; the rest trains', async () => {
    const embedding = Embedding(VOCAB, 8);
    embedding.trainable = false;
    const model = Serial(embedding, Dense(16), Relu(), Dense(N_TAGS), LogSoftmax());
    const optimizer = new Adam({ learningRate: 0.05, weightDecayRate: 0.01, averageDecay: 0.9, clipGradNorm: 1 });
    const lines: string[] = [];
    const loop = await Loop(
      model,
      new TrainTask({ labeledData: taggingData(3), lossLayer: CrossEntropyLoss(), optimizer, nStepsPerCheckpoint: 1000 }),
      {
        logger: (l) => lines.push(l),
        chart: false,
        progress: false,
        evalAt: (s) => s === 1,
      },
    );
    const before = flattenTree(model.weights).map(([p, t]) => [p, Array.from(t.dataSync())] as const);
    await loop.run(6);
    const after = new Map(flattenTree(model.weights).map(([p, t]) => [p, Array.from(t.dataSync())]));
    const [embeddingPath, embeddingValues] = before[0]!;
    expect(embeddingPath).toBe('0/w');
    expect(after.get('0/w')).toEqual(embeddingValues);
    for (const [p, values] of before.slice(1)) expect(after.get(p)).not.toEqual(values);
    // Its slots never moved either: the moving average is the vectors themselves.
    const slots = loop.slotsOf(0) as unknown as Record<string, Record<string, Record<string, tf.Tensor>>>;
    expect(Array.from(slots['0']!['w']![AVERAGE_SLOT]!.dataSync())).toEqual(embeddingValues);
    expect(Array.from(slots['0']!['w']!['m']!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(lines.some((l) => l.includes(`(and ${VOCAB * 8} non-trainable)`))).toBe(true);
    loop.dispose();
  });

  test('the optimizer leaves frozen weights (and their slots) as they are and keeps their gradients out of the norm', () => {
    const sgd = new SGD({ learningRate: 1 });
    const weights = { a: tf.tensor1d([1, 2]), b: tf.tensor1d([3, 4]) };
    const slots = sgd.treeInit(weights);
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor1d([100, 100]) };
    const update = sgd.treeUpdate(0, grads, weights, slots, 1, new Set([weights.b]));
    expect(update.weights['b']).toBe(weights.b);
    expect(Array.from((update.weights['a'] as tf.Tensor).dataSync())).toEqual([-2, -2]);
    expect(update.gradientsL2.dataSync()[0]).toBeCloseTo(5, 5);
    tf.dispose([update.weights['a'], update.gradientsL2, update.weightsL2, weights.a, weights.b, grads.a, grads.b]);
  });
});
