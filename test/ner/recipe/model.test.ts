import { tf } from '../../../src/backend/tf.js';
import { useBackend } from '../../../src/backend/backends.js';
import { Serial } from '../../../src/combinators/serial.js';
import { treeLeaves } from '../../../src/core/tensor_tree.js';
import type { Tensor } from '../../../src/core/types.js';
import { makeKey } from '../../../src/rng/key.js';
import { CharCnn } from '../../../src/ner/model/char_cnn.js';
import { namedTensors } from '../../../src/core/named_tensors.js';
import { viterbiDecode } from '../../../src/layers/crf.js';
import { NerLoss, NerTaggerModel } from '../../../src/ner/model/build.js';
import { DEFAULT_NER_MODEL_CONFIG, NerConfigError, resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import { constrainedDecode, crfDecode, iob2Constraints } from '../../../src/ner/tagger/decode.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput } from '../../layers/layer_checks.js';
import { TINY } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('NER model configuration', () => {
  test('defaults are complete and valid', () => {
    expect(resolveNerModelConfig({})).toEqual(DEFAULT_NER_MODEL_CONFIG);
    expect(resolveNerModelConfig({ attention: 'lsh', crf: true }).crf).toBe(true);
  });

  test.each([
    [{ dmodel: 128 }, /unknown setting 'dmodel'; known settings are nLayers, dModel/],
    [{ attention: 'sparse' }, /attention must be 'full', 'chunked', 'lsh' or 'local', got "sparse"/],
    [{ dModel: 100, nHeads: 3 }, /dModel 100 must be divisible by nHeads 3/],
    [{ dropout: 1.5 }, /dropout must be a number in \[0, 1\), got 1.5/],
    [{ nLayers: 0 }, /nLayers must be an integer from 1 to 64, got 0/],
    [{ crf: 'yes' }, /crf must be true or false, got "yes"/],
    [{ attention: 'chunked', chunkLen: 512, maxLen: 128 }, /chunkLen 512 is longer than maxLen 128/],
    [{ ffActivation: 'swish' }, /ffActivation must be 'relu', 'gelu' or 'fastGelu'/],
  ])('%j is refused with a clear message', (partial, message) => {
    expect(() => resolveNerModelConfig(partial as Record<string, unknown>)).toThrow(NerConfigError);
    expect(() => resolveNerModelConfig(partial as Record<string, unknown>)).toThrow(message);
  });
});

function features(config: typeof TINY, b: number, l: number, seed = 1): Tensor {
  const c = resolveNerModelConfig(config);
  const layout = featureLayout(c);
  const data = new Int32Array(b * l * layout.width);
  for (let i = 0; i < b * l; i++) {
    const row = i * layout.width;
    if (i % l >= l - 1 && i % 2 === 0) continue; // some padding at the ends
    data[row] = 2 + ((i * 7 + seed) % 40);
    if (layout.shapeColumn >= 0) data[row + layout.shapeColumn] = 1 + (i % 7);
    if (layout.charColumn >= 0)
      for (let k = 0; k < 1 + (i % c.maxWordLength); k++) data[row + layout.charColumn + k] = 2 + ((i + k * 3) % 20);
  }
  return tf.tensor(data, [b, l, layout.width], 'int32');
}

describe('NER tagger model', () => {
  test.each([
    ['full, reversible', { reversible: true }],
    ['chunked', { attention: 'chunked', chunkLen: 4 }],
    ['lsh', { attention: 'lsh', chunkLen: 4 }],
    ['local', { attention: 'local', localRadius: 2 }],
    ['words only', { charFeatures: false, wordShapes: false }],
  ])('%s: [B, L, F] features to [B, L, nTags] log-probabilities', (_name, extra) => {
    const config = { ...TINY, ...extra } as typeof TINY;
    const model = NerTaggerModel(config, { wordVocabSize: 50, charVocabSize: 25, nTags: 5 }, 'eval');
    const x = features(config, 3, 9);
    model.init({ shape: x.shape, dtype: 'int32' }, { seed: 2 });
    const y = model.call(x) as Tensor;
    expect(y.shape).toEqual([3, 9, 5]);
    const sums = tf.exp(y).sum(-1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 4);
  });

  test("'local' attention: the library's LocalSelfAttention, with the weight paths of saved checkpoints", () => {
    const config = { ...TINY, attention: 'local', localRadius: 2 } as typeof TINY;
    const model = NerTaggerModel(config, { wordVocabSize: 50, charVocabSize: 25, nTags: 5 }, 'eval');
    const x = features(config, 2, 7);
    model.init({ shape: x.shape, dtype: 'int32' }, { seed: 3 });
    const c = resolveNerModelConfig(config);
    const attention = [...namedTensors(model).keys()].filter((p) => p.includes('LocalSelfAttention'));
    expect(attention).toHaveLength(4 * c.nLayers);
    expect(attention[0]).toBe(
      `NerTagger/1/ReformerEncoder/4/ReversibleSerial/0/EncoderBlock/0/ReversibleHalfResidual/1/LocalSelfAttention_h${c.nHeads}_r2/wq`,
    );
  });

  test('with a CRF the model gives emission scores and the loss is the CRF loss', () => {
    const model = NerTaggerModel({ ...TINY, crf: true }, { wordVocabSize: 50, charVocabSize: 25, nTags: 5 });
    expect(model.sublayers.map((l) => l.name)).toEqual(['TokenEmbedding', 'ReformerEncoder', 'Dense_5']);
    expect(NerLoss({ crf: true }, 5).name).toBe('CrfLoss_5');
    expect(NerLoss({ crf: false }, 5).name).toBe('CrossEntropyLoss');
    expect(() => NerTaggerModel(TINY, { wordVocabSize: 1, charVocabSize: 25, nTags: 5 })).toThrow(/wordVocabSize must be an integer >= 3/);
  });
});

/** The character CNN written plainly with tfjs ops (the reference its fast path must equal). */
function referenceCharCnn(ids: Tensor, w: Record<string, Tensor>): Tensor {
  const [b, l, c] = ids.shape as [number, number, number];
  const real = tf.cast(tf.notEqual(ids, 0), 'float32').reshape([b * l, c, 1]);
  const e = tf
    .gather(w['chars']!, ids.reshape([-1]))
    .reshape([b * l, c, -1])
    .mul(real);
  const padded = tf.pad(e, [
    [0, 0],
    [1, 1],
    [0, 0],
  ]);
  const d = e.shape[2]!;
  const windows = tf
    .concat([padded.slice([0, 0, 0], [b * l, c, d]), e, padded.slice([0, 2, 0], [b * l, c, d])], 2)
    .reshape([b * l * c, 3 * d]);
  const h = tf
    .relu(tf.matMul(windows, w['w']!).add(w['b']!))
    .reshape([b * l, c, -1])
    .mul(real);
  return tf.matMul(tf.max(h, 1), w['wOut']!).add(w['bOut']!).reshape([b, l, -1]);
}

describe('CharCnn', () => {
  test('equals the plain composition, values and gradients (repeated words computed once)', () => {
    const layer = CharCnn({ charVocabSize: 12, dChar: 4, filters: 6, dOut: 5 });
    const ids = tf.tensor3d(
      [
        [
          [3, 4, 5, 0],
          [3, 4, 5, 0],
          [0, 0, 0, 0],
        ],
        [
          [7, 0, 0, 0],
          [1, 11, 2, 9],
          [3, 4, 5, 0],
        ],
      ],
      undefined,
      'int32',
    );
    layer.init({ shape: ids.shape, dtype: 'int32' }, { seed: 4 });
    const weights = layer.weights as Record<string, Tensor>;
    // Non-zero biases so that the ReLU and max see both signs.
    weights['b'] = tf.tensor1d([0.1, -0.2, 0.3, 0, 0.05, -0.1]);
    const fast = layer.pureFn(ids, weights, {}, makeKey(0))[0] as Tensor;
    const slow = referenceCharCnn(ids, weights);
    expect(fast.shape).toEqual([2, 3, 5]);
    const a = fast.dataSync();
    const b = slow.dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    const names = Object.keys(weights);
    const dy = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 3);
    const gradsOf = (f: (w: Record<string, Tensor>) => Tensor): Tensor[] =>
      tf.grads((...ws: Tensor[]) =>
        f(Object.fromEntries(names.map((n, i) => [n, ws[i]!])))
          .mul(dy)
          .sum(),
      )(names.map((n) => weights[n]!));
    const gFast = gradsOf((w) => layer.pureFn(ids, w, {}, makeKey(0))[0] as Tensor);
    const gSlow = gradsOf((w) => referenceCharCnn(ids, w));
    gFast.forEach((g, i) => {
      const want = gSlow[i]!.dataSync();
      g.dataSync().forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 4));
    });
  });

  test('shape: [B, L, C] ids to [B, L, dOut], as init says', () => {
    const ids = tf.tensor3d([[[1, 2, 0, 0]], [[0, 0, 0, 0]]], undefined, 'int32');
    const layer = CharCnn({ charVocabSize: 4, dChar: 3, filters: 5, dOut: 6 });
    expect(expectSignatureMatchesOutput(layer, ids)).toEqual({ shape: [2, 1, 6], dtype: 'float32' });
  });

  test('hand-computed: one-wide embeddings, a summing filter, bias -2.5, ReLU and max per word', () => {
    // Table [0, 1, 2] (id 0 is padding: never read), filter [1, 1, 1], bias -2.5, projection 1, output bias 0.5.
    // [1, 2, 0]: windows at the real characters [0 1 2] and [1 2 0] both sum to 3: relu(3 - 2.5) = 0.5, out 1.
    // [2, 2, 2]: window sums 4, 6, 4: relu(6 - 2.5) = 3.5, out 4. [1, 0, 0]: window sum 1, relu(-1.5) = 0, out 0.5.
    // [0, 0, 0] (a padding token): no real character, pooled 0, out 0.5.
    const layer = CharCnn({ charVocabSize: 3, dChar: 1, filters: 1, dOut: 1 });
    const ids = tf.tensor3d(
      [
        [
          [1, 2, 0],
          [2, 2, 2],
          [1, 0, 0],
          [0, 0, 0],
        ],
      ],
      undefined,
      'int32',
    );
    layer.init({ shape: ids.shape, dtype: 'int32' });
    layer.weights = {
      chars: tf.tensor2d([[9], [1], [2]]),
      w: tf.tensor2d([[1], [1], [1]]),
      b: tf.tensor1d([-2.5]),
      wOut: tf.tensor2d([[1]]),
      bOut: tf.tensor1d([0.5]),
    };
    expect(Array.from((layer.call(ids) as Tensor).dataSync())).toEqual([1, 4, 0.5, 0.5]);
  });

  test('gradients with respect to every weight match finite differences', () => {
    const layer = CharCnn({ charVocabSize: 6, dChar: 3, filters: 4, dOut: 3 });
    const ids = tf.tensor3d(
      [
        [
          [1, 2, 3, 0],
          [4, 5, 0, 0],
        ],
        [
          [5, 0, 0, 0],
          [2, 3, 4, 1],
        ],
      ],
      undefined,
      'int32',
    );
    layer.init({ shape: ids.shape, dtype: 'int32' }, { seed: 3 });
    layer.weights = { ...(layer.weights as Record<string, Tensor>), b: tf.tensor1d([0.3, -0.1, 0.2, 0.05]) };
    expectLayerGradientsMatch(layer, ids, { eps: 1e-3 });
  });

  test('refuses character ids outside its vocabulary', () => {
    const layer = Serial(CharCnn({ charVocabSize: 5, dChar: 2, filters: 2, dOut: 2 }));
    const ids = tf.tensor3d([[[1, 7]]], undefined, 'int32');
    layer.init({ shape: ids.shape, dtype: 'int32' });
    expect(() => layer.call(ids)).toThrow(/character id 7 is outside the vocabulary \[0, 5\)/);
    expect(treeLeaves(layer.weights)).toHaveLength(5);
  });
});

describe('constrained decoding', () => {
  test('never puts I-X after O or after another type', () => {
    const tags = ['O', 'B-per', 'I-per', 'B-geo', 'I-geo'];
    const constraints = iob2Constraints(tags);
    const lp = (probs: number[]): number[] => probs.map(Math.log);
    // argmax would give O, I-per (invalid); the best valid sequence is B-per I-per or O O.
    const decoded = constrainedDecode([lp([0.5, 0.1, 0.1, 0.2, 0.1]), lp([0.1, 0.05, 0.6, 0.2, 0.05])], constraints);
    expect(decoded.tagIds.map((t) => tags[t])).not.toContain('I-geo');
    expect(decoded.tagIds.map((t) => tags[t])).toEqual(['O', 'B-geo']);
    expect(decoded.confidence[1]).toBeCloseTo(0.2, 6);
  });
});

describe('crfDecode', () => {
  test('gives the Viterbi path and marginals of layers/crf.ts', () => {
    const n = 5;
    const params = {
      transitions: Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.7) * 2),
      start: Float32Array.from({ length: n }, (_, i) => Math.cos(i) - 0.5),
      end: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.3)),
    };
    for (const length of [1, 2, 7]) {
      const emissions = Array.from({ length }, (_, t) => Float32Array.from({ length: n }, (_, j) => Math.sin(t * 3.1 + j * 0.7) * 3));
      const want = viterbiDecode(emissions, params);
      const got = crfDecode(emissions, params);
      expect(got.tagIds).toEqual(want.tags);
      got.confidence.forEach((c, t) => expect(c).toBeCloseTo(want.confidence[t]!, 6));
    }
  });
});
