import { tf } from '../../src/backend/tf.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { ReformerLM } from '../../src/models/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { maxAbsDiff } from '../reversible/helpers.js';
import { compareBackwards, ids } from './helpers.js';

const tiny = { vocabSize: 12, dModel: 8, dFf: 16, nLayers: 2, nHeads: 2, maxLen: 16 };

describeOnBackends('ReformerLM', () => {
  test('ids [B, L] -> log-probabilities [B, L, vocab]; the layers', () => {
    const lm = ReformerLM(tiny);
    expect(lm.sublayers.map((l) => l.name)).toEqual([
      'ShiftRight(1)',
      'Embedding_12_8',
      'Dropout',
      'PositionalEncoding',
      'Dup',
      'ReversibleSerial',
      'Concatenate',
      'LayerNorm',
      'Dropout',
      'Dense_12',
      'LogSoftmax',
    ]);
    expect(lm.init(shapeDtype([2, 5], 'int32')).outputSignature).toEqual(shapeDtype([2, 5, 12]));
    const logp = lm.call(
      ids([
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10],
      ]),
    ) as Tensor;
    expect(logp.shape).toEqual([2, 5, 12]);
    expect(maxAbsDiff([tf.sum(tf.exp(logp), -1)], [tf.ones([2, 5])])).toBeLessThan(1e-5);
  });

  test('causal: the prediction at position t depends only on tokens before t', () => {
    const lm = ReformerLM({ ...tiny, attentionType: ['full', 'chunked'], chunkLen: 2, mode: 'eval' });
    lm.init(shapeDtype([1, 6], 'int32'));
    const a = lm.call(ids([[1, 2, 3, 4, 5, 6]])) as Tensor;
    const b = lm.call(ids([[1, 2, 3, 9, 9, 9]])) as Tensor;
    // Positions 0..3 see tokens 0..2 only (the input is shifted right).
    expect(maxAbsDiff([a.slice([0, 0, 0], [1, 4, 12])], [b.slice([0, 0, 0], [1, 4, 12])])).toBeLessThan(1e-5);
    expect(maxAbsDiff([a.slice([0, 4, 0], [1, 2, 12])], [b.slice([0, 4, 0], [1, 2, 12])])).toBeGreaterThan(1e-4);
  });

  test('reversible and ordinary backward agree (dropout on, LSH layers included)', () => {
    const config = { ...tiny, nLayers: 2, attentionType: ['lsh', 'full'] as ('lsh' | 'full')[], chunkLen: 4, nBuckets: 4, dropout: 0.2 };
    const tokens = ids([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [8, 7, 6, 5, 4, 3, 2, 1],
    ]);
    const { output, grads } = compareBackwards((reversible) => ReformerLM({ ...config, reversible }), shapeDtype([2, 8], 'int32'), [
      tokens,
    ]);
    expect(output).toBe(0);
    expect(grads).toBeLessThanOrEqual(1e-4);
  });

  test('configuration errors', () => {
    expect(() => ReformerLM({ ...tiny, vocabSize: undefined as never })).toThrow(/ReformerLM: vocabSize must be an integer >= 1/);
    expect(() => ReformerLM({ ...tiny, nLayers: 3, attentionType: ['full', 'lsh'] })).toThrow(/ReformerLM: nLayers 3 is not a multiple/);
    expect(() => ReformerLM({ ...tiny, chunkLen: 0, attentionType: 'chunked' })).toThrow(/chunkLen must be an integer >= 1/);
  });
});
