/**
 * The context model's loss counts the target sentence only: context labels do not change it, and the CRF over a
 * target run inside a window equals the CRF over the same tokens alone.
 */
import { tf } from '../../../src/backend/tf.js';
import { CrossEntropyLoss } from '../../../src/metrics/losses.js';
import { CrfLossLayer } from '../../../src/layers/crf.js';
import type { Tensor } from '../../../src/core/types.js';
import { makeKey } from '../../../src/rng/key.js';
import { FastCrfLoss } from '../../../src/ner/model/fast_crf_loss.js';
import { NerLoss, NerTaggerModel } from '../../../src/ner/model/build.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { encodeWindowExample } from '../../../src/ner/dataset/examples.js';
import { buildNerVocabs } from '../../../src/ner/dataset/vocabs.js';
import type { Sentence } from '../../../src/ner/sentence.js';

const NAMES = ['transitions', 'start', 'end'];

describe('FastCrfLoss on a target run inside a row', () => {
  test('equals CrfLoss on the run moved to the start of the row, in value and emission gradients', () => {
    const t = 4;
    const emissions = tf.randomNormal([2, 6, t], 0, 2, 'float32', 5);
    // Row 0: the run is positions 2-4; row 1: positions 0-2 (as CrfLoss takes them).
    const tags = tf.tensor2d(
      [
        [1, 3, 0, 2, 1, 3],
        [2, 2, 1, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d([
      [0, 0, 1, 1, 1, 0],
      [1, 1, 1, 0, 0, 0],
    ]);
    const shifted = tf.concat([tf.slice(emissions, [0, 2, 0], [1, 4, t]), tf.zeros([1, 2, t])], 1);
    const emissionsRef = tf.concat([shifted, tf.slice(emissions, [1, 0, 0], [1, 6, t])], 0);
    const tagsRef = tf.tensor2d(
      [
        [0, 2, 1, 0, 0, 0],
        [2, 2, 1, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const maskRef = tf.tensor2d([
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 0, 0, 0],
    ]);
    const reference = new CrfLossLayer(t);
    const fast = FastCrfLoss(t);
    const signature = [emissions, tags, mask].map((x) => ({ shape: x.shape, dtype: x.dtype }));
    reference.init(signature, { seed: 2 });
    const w = reference.weights as Record<string, Tensor>;
    const ws = Object.fromEntries(NAMES.map((n) => [n, w[n]!]));
    const fastLoss = (e: Tensor): tf.Scalar => fast.pureFn([e, tags, mask], ws, {}, makeKey(0))[0] as tf.Scalar;
    const refLoss = (e: Tensor): tf.Scalar => reference.pureFn([e, tagsRef, maskRef], ws, {}, makeKey(0))[0] as tf.Scalar;
    expect(fastLoss(emissions).dataSync()[0]!).toBeCloseTo(refLoss(emissionsRef).dataSync()[0]!, 4);
    const g = tf.grad(fastLoss)(emissions).arraySync() as number[][][];
    const gRef = tf.grad(refLoss)(emissionsRef).arraySync() as number[][][];
    for (let p = 0; p < 6; p++) {
      for (let j = 0; j < t; j++) {
        expect(g[0]![p]![j]!).toBeCloseTo(p >= 2 && p < 5 ? gRef[0]![p - 2]![j]! : 0, 5);
        expect(g[1]![p]![j]!).toBeCloseTo(gRef[1]![p]![j]!, 5);
      }
    }
  });
});

describe('the context model loss', () => {
  const doc: Sentence[] = [
    { id: '1', document: 'd', words: ['John', 'lives', 'in', 'Rome', '.'], tags: ['B-per', 'O', 'O', 'B-geo', 'O'] },
    { id: '2', document: 'd', words: ['Mary', 'met', 'NATO', '.'], tags: ['B-per', 'O', 'B-org', 'O'] },
  ];
  const vocabs = buildNerVocabs(doc, doc);
  const words = [...doc[0]!.words, ...doc[1]!.words];
  const gold = [...doc[0]!.tags, ...doc[1]!.tags];
  // Target: the second sentence (window positions 5-8); the first sentence is context.
  const window = { words, tags: gold, targetStart: 5, targetEnd: 9 };
  const otherContextTags = { ...window, tags: ['B-org', 'B-geo', 'B-geo', 'O', 'B-per', ...doc[1]!.tags] };
  const otherTargetTags = { ...window, tags: [...doc[0]!.tags, 'O', 'O', 'O', 'O'] };

  for (const crf of [false, true]) {
    test(`${crf ? 'CRF' : 'softmax'}: changing context-token labels does not change the loss; target labels do`, () => {
      const config = resolveNerModelConfig({
        nLayers: 1,
        dModel: 16,
        dFf: 32,
        nHeads: 2,
        dropout: 0,
        charFilters: 8,
        dChar: 4,
        maxWordLength: 6,
        attention: 'full',
        maxLen: 16,
        crf,
        contextTokens: 9,
      });
      const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
      const model = NerTaggerModel(config, sizes, 'eval');
      const loss = crf ? NerLoss(config, sizes.nTags) : CrossEntropyLoss();
      model.init({ shape: [1, 9, 1 + 1 + 6 + 1], dtype: 'int32' }, { seed: 1 });
      loss.init(
        [
          { shape: [1, 9, sizes.nTags], dtype: 'float32' },
          { shape: [1, 9], dtype: 'int32' },
          { shape: [1, 9], dtype: 'float32' },
        ],
        { seed: 1 },
      );
      const lossOf = (w: typeof window): number =>
        tf.tidy(() => {
          const [f, tg, wt] = encodeWindowExample(w, vocabs, config);
          const features = tf.tensor(f!.data, [1, ...f!.shape], 'int32');
          const tags = tf.tensor(tg!.data, [1, ...tg!.shape], 'int32');
          const weights = tf.tensor(wt!.data, [1, ...wt!.shape]);
          const [scores] = model.pureFn(features, model.weights, model.state, makeKey(0));
          return (loss.pureFn([scores as Tensor, tags, weights], loss.weights, loss.state, makeKey(0))[0] as Tensor).dataSync()[0]!;
        });
      const base = lossOf(window);
      expect(Number.isFinite(base)).toBe(true);
      expect(lossOf(otherContextTags)).toBe(base);
      expect(Math.abs(lossOf(otherTargetTags) - base)).toBeGreaterThan(1e-3);
    });
  }
});
