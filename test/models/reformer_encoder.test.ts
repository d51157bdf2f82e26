import { tf } from '../../src/backend/tf.js';
import { Dup } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LogSoftmax } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import { flattenTree, mapTree, treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { ReformerEncoder, TransformerEncoder } from '../../src/models/index.js';
import type { ReversibleSerialLayer } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { maxAbsDiff, randn } from '../reversible/helpers.js';
import { compareBackwards, ids } from './helpers.js';

const tiny = { dModel: 8, dFf: 16, nLayers: 2, nHeads: 2, maxLen: 16 };
const tokens = () =>
  ids([
    [3, 5, 7, 2, 0, 0],
    [4, 1, 6, 9, 8, 2],
  ]);
const real = (t: Tensor, b: number, n: number) => t.slice([b, 0, 0], [1, n, t.shape[2]!]);

describeOnBackends('ReformerEncoder', () => {
  test('with vocabSize: ids [B, L] -> [B, L, dModel]; the layers', () => {
    const enc = ReformerEncoder({ ...tiny, vocabSize: 10 });
    expect([enc.nIn, enc.nOut, enc.name]).toEqual([1, 1, 'ReformerEncoder']);
    expect(enc.sublayers.map((l) => l.name)).toEqual([
      'Branch',
      'Embedding_10_8',
      'Dropout',
      'PositionalEncoding',
      'Dup',
      'ReversibleSerial',
      'XYAvg',
      'LayerNorm',
      'Select[0]',
    ]);
    const { outputSignature } = enc.init(shapeDtype([2, 6], 'int32'));
    expect(outputSignature).toEqual(shapeDtype([2, 6, 8]));
    expect((enc.call(tokens()) as Tensor).shape).toEqual([2, 6, 8]);
  });

  test('without vocabSize: x [B, L, D] and token ids or a mask -> [B, L, D]; ids and the equivalent masks agree', () => {
    const enc = ReformerEncoder({ ...tiny, mode: 'eval' });
    expect([enc.nIn, enc.nOut]).toEqual([2, 1]);
    const { outputSignature } = enc.init([shapeDtype([2, 6, 8]), shapeDtype([2, 6], 'int32')]);
    expect(outputSignature).toEqual(shapeDtype([2, 6, 8]));
    const x = randn(1, [2, 6, 8]);
    const fromIds = enc.call([x, tokens()]) as Tensor;
    const valid = [
      [1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ];
    for (const mask of [tf.tensor2d(valid, [2, 6], 'bool'), tf.tensor2d(valid), tf.tensor4d(valid.flat(), [2, 1, 1, 6], 'bool')]) {
      expect(maxAbsDiff([enc.call([x, mask]) as Tensor], [fromIds])).toBe(0);
    }
  });

  test('padding: the outputs at real positions ignore what is at padded positions (and the mask matters)', () => {
    const enc = ReformerEncoder({ ...tiny, mode: 'eval' });
    enc.init([shapeDtype([2, 6, 8]), shapeDtype([2, 6], 'int32')]);
    const x = randn(2, [2, 6, 8]);
    // The first sequence's two padded positions get other vectors.
    const x2 = tf.concat([tf.concat([x.slice([0, 0, 0], [1, 4, 8]), randn(3, [1, 2, 8])], 1), x.slice([1, 0, 0], [1, 6, 8])], 0);
    const y1 = enc.call([x, tokens()]) as Tensor;
    const y2 = enc.call([x2, tokens()]) as Tensor;
    expect(maxAbsDiff([real(y1, 0, 4), real(y1, 1, 6)], [real(y2, 0, 4), real(y2, 1, 6)])).toBeLessThan(1e-5);
    const unmasked = tf.ones([2, 6], 'int32');
    const z1 = enc.call([x, unmasked]) as Tensor;
    const z2 = enc.call([x2, unmasked]) as Tensor;
    expect(maxAbsDiff([real(z1, 0, 4)], [real(z2, 0, 4)])).toBeGreaterThan(1e-3);
  });

  test('reversible: true and false give the same outputs and gradients for the same weights (dropout on)', () => {
    const sig = [shapeDtype([2, 6, 8]), shapeDtype([2, 6], 'int32')];
    const { output, grads } = compareBackwards((reversible) => ReformerEncoder({ ...tiny, nLayers: 3, dropout: 0.2, reversible }), sig, [
      randn(4, [2, 6, 8]),
      tokens(),
    ]);
    expect(output).toBe(0);
    expect(grads).toBeLessThanOrEqual(1e-4);
  });

  test('alternating attention types, LSH included: reversible and ordinary gradients agree', () => {
    const config = {
      ...tiny,
      nLayers: 4,
      attentionType: ['full', 'chunked', 'lsh', 'chunked'] as const,
      chunkLen: 4,
      nBuckets: 4,
      vocabSize: 10,
    };
    const enc = ReformerEncoder({ ...config, attentionType: [...config.attentionType] });
    const attention = (enc.sublayers[5] as ReversibleSerialLayer).sublayers.map((b) => b.sublayers[0]!.sublayers[1]!.name);
    expect(attention).toEqual(['SelfAttention_h2', 'SelfAttention_h2_c4', 'LSHSelfAttention_h2_c4_hashes1', 'SelfAttention_h2_c4']);
    const longer = ids([
      [3, 5, 7, 2, 4, 4, 1, 0],
      [4, 1, 6, 9, 8, 2, 3, 3],
    ]);
    const { grads } = compareBackwards(
      (reversible) => ReformerEncoder({ ...config, attentionType: [...config.attentionType], reversible }),
      shapeDtype([2, 8], 'int32'),
      [longer],
    );
    expect(grads).toBeLessThanOrEqual(1e-4);
  });

  test('gradients of a tiny encoder match finite differences', () => {
    const enc = ReformerEncoder({ ...tiny, nLayers: 2, dropout: 0.1, ffActivation: 'gelu' });
    enc.init([shapeDtype([1, 4, 8]), shapeDtype([1, 4], 'int32')], { seed: 6 });
    const pad = ids([[1, 1, 1, 0]]);
    const paths = flattenTree(enc.weights);
    const pick = (re: RegExp) => paths.find(([p, t]) => re.test(p) && t.rank === 2)![1];
    const chosen = [pick(/wq$/), pick(/\/4\/w$/)];
    const f = (x: Tensor, ...ws: Tensor[]) => {
      const weights = mapTree(enc.weights, (t) => ws[chosen.indexOf(t)] ?? t);
      return enc.pureFn([x, pad], weights, enc.state, makeKey(8))[0] as Tensor;
    };
    expectGradientsMatchFiniteDifferences((x, a, b) => f(x, a, b).mul(randn(9, [1, 4, 8])), [randn(10, [1, 4, 8]), ...chosen]);
  });

  test('a tagger: Serial(Dup(), Embedding, ReformerEncoder, Dense, LogSoftmax) takes token ids', () => {
    const tagger = Serial(Dup(), Embedding(10, 8), ReformerEncoder(tiny), Dense(5), LogSoftmax());
    expect([tagger.nIn, tagger.nOut]).toEqual([1, 1]);
    expect(tagger.init(shapeDtype([2, 6], 'int32')).outputSignature).toEqual(shapeDtype([2, 6, 5]));
    const logp = tagger.call(tokens()) as Tensor;
    expect(maxAbsDiff([tf.sum(tf.exp(logp), -1)], [tf.ones([2, 6])])).toBeLessThan(1e-5);
    // Without Dup, the four layers take the ids twice (or ids and a mask).
    const literal = Serial(Embedding(10, 8), ReformerEncoder(tiny), Dense(5), LogSoftmax());
    expect([literal.nIn, literal.nOut]).toEqual([2, 1]);
    literal.init([shapeDtype([2, 6], 'int32'), shapeDtype([2, 6], 'int32')]);
    expect((literal.call([tokens(), tokens()]) as Tensor).shape).toEqual([2, 6, 5]);
    expect(treeLeaves(tagger.weights).length).toBeGreaterThan(10);
  });

  test('configuration errors are clear', () => {
    expect(() => ReformerEncoder({ ...tiny, nLayers: 3, attentionType: ['full', 'lsh'] })).toThrow(
      /nLayers 3 is not a multiple of the 2 alternating attention types/,
    );
    expect(() => ReformerEncoder({ ...tiny, nHeads: 3 })).toThrow(
      /ReformerEncoder: dModel 8 is not divisible by nHeads 3; set dQk explicitly/,
    );
    expect(() => ReformerEncoder({ ...tiny, attentionType: 'sparse' as never })).toThrow(/unknown attentionType 'sparse'/);
    expect(() => ReformerEncoder({ ...tiny, dropuot: 0.1 } as never)).toThrow(/ReformerEncoder: unknown setting 'dropuot'/);
    expect(() => ReformerEncoder({ ...tiny, dropout: 1.5 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => ReformerEncoder({ ...tiny, vocabSize: 0 })).toThrow(/vocabSize must be an integer >= 1/);
    expect(() => ReformerEncoder({ ...tiny, attentionType: [] })).toThrow(/attentionType is an empty list/);
    expect(() => ReformerEncoder({ ...tiny, reversible: 'yes' as never })).toThrow(/reversible must be true or false/);
    const enc = ReformerEncoder(tiny);
    expect(() => enc.init([shapeDtype([2, 6, 8]), shapeDtype([2, 5], 'int32')])).toThrow(/padding mask must have shape \[2, 6\]/);
  });
});

describeOnBackends('TransformerEncoder', () => {
  test('same interface: ids -> [B, L, D]; the padding mask hides padded positions', () => {
    const enc = TransformerEncoder({ ...tiny, vocabSize: 10, mode: 'eval' });
    expect(enc.init(shapeDtype([2, 6], 'int32')).outputSignature).toEqual(shapeDtype([2, 6, 8]));
    expect((enc.call(tokens()) as Tensor).shape).toEqual([2, 6, 8]);
    const plain = TransformerEncoder({ ...tiny, mode: 'eval' });
    plain.init([shapeDtype([1, 6, 8]), shapeDtype([1, 6], 'int32')]);
    const x = randn(11, [1, 6, 8]);
    const x2 = tf.concat([x.slice([0, 0, 0], [1, 4, 8]), randn(12, [1, 2, 8])], 1);
    const pad = ids([[1, 1, 1, 1, 0, 0]]);
    const y1 = plain.call([x, pad]) as Tensor;
    const y2 = plain.call([x2, pad]) as Tensor;
    expect(maxAbsDiff([real(y1, 0, 4)], [real(y2, 0, 4)])).toBeLessThan(1e-5);
  });

  test('gradients match finite differences', () => {
    const enc = TransformerEncoder({ ...tiny, nLayers: 1, dropout: 0 });
    enc.init([shapeDtype([1, 3, 8]), shapeDtype([1, 3], 'int32')], { seed: 2 });
    const pad = ids([[1, 1, 0]]);
    expectGradientsMatchFiniteDifferences(
      (x) => (enc.pureFn([x, pad], enc.weights, enc.state, makeKey(1))[0] as Tensor).mul(randn(13, [1, 3, 8])),
      [randn(14, [1, 3, 8])],
    );
  });

  test('refuses reversible: true', () => {
    expect(() => TransformerEncoder({ ...tiny, reversible: true })).toThrow(/not reversible; use ReformerEncoder/);
  });
});
