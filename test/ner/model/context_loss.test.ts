/**
 * The context model's loss counts the target sentence only: context labels do not change it (the CRF over a
 * target run inside a row is tested with FastCrfLoss, test/layers/fast_crf_loss.test.ts).
 */
import { tf } from '../../../src/backend/tf.js';
import { CrossEntropyLoss } from '../../../src/metrics/losses.js';
import type { Tensor } from '../../../src/core/types.js';
import { makeKey } from '../../../src/rng/key.js';
import { NerLoss, NerTaggerModel } from '../../../src/ner/model/build.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { encodeWindowExample } from '../../../src/ner/dataset/examples.js';
import { buildNerVocabs } from '../../../src/ner/dataset/vocabs.js';
import type { Sentence } from '../../../src/ner/sentence.js';

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
