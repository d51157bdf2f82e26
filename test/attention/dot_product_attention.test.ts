import { tf } from '../../src/backend/tf.js';
import { dotProductAttention, dotProductAttentionWithLogsumexp, MASKED_BIAS, maskToBias } from '../../src/attention/index.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose, expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { randn } from '../layers/layer_checks.js';

describeOnBackends('dotProductAttention', () => {
  test('hand-computed: two queries, two keys', () => {
    const q = tf.tensor([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    const k = tf.tensor([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    const v = tf.tensor([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    // scores = q·kᵀ / sqrt(2) = I / sqrt(2); softmax rows [p, 1 - p], p = e^a / (e^a + 1), a = 1/sqrt(2)
    const a = 1 / Math.sqrt(2);
    const p = Math.exp(a) / (Math.exp(a) + 1);
    const out = dotProductAttention(q, k, v);
    expectClose(
      out,
      [
        [
          [p * 1 + (1 - p) * 3, p * 2 + (1 - p) * 4],
          [(1 - p) * 1 + p * 3, (1 - p) * 2 + p * 4],
        ],
      ],
      1e-5,
    );
  });

  test('a mask removes keys; [B, 1, 1, L] masks broadcast over heads and queries', () => {
    const q = randn([2, 3, 4, 5], 1);
    const k = randn([2, 3, 4, 5], 2);
    const v = randn([2, 3, 4, 6], 3);
    const mask = tf.tensor([1, 1, 0, 0, 1, 1, 1, 0], [2, 1, 1, 4], 'bool');
    const out = dotProductAttention(q, k, v, { mask });
    // Same as attending over the unmasked keys only.
    const first = dotProductAttention(
      q.slice([0, 0, 0, 0], [1, 3, 4, 5]),
      k.slice([0, 0, 0, 0], [1, 3, 2, 5]),
      v.slice([0, 0, 0, 0], [1, 3, 2, 6]),
    );
    expectClose(out.slice([0, 0, 0, 0], [1, 3, 4, 6]), first, 1e-5);
    const second = dotProductAttention(
      q.slice([1, 0, 0, 0], [1, 3, 4, 5]),
      k.slice([1, 0, 0, 0], [1, 3, 3, 5]),
      v.slice([1, 0, 0, 0], [1, 3, 3, 6]),
    );
    expectClose(out.slice([1, 0, 0, 0], [1, 3, 4, 6]), second, 1e-5);
  });

  test('maskToBias gives 0 where allowed and MASKED_BIAS where not', () => {
    expectClose(maskToBias(tf.tensor([1, 0, 2, 0])), [0, MASKED_BIAS, 0, MASKED_BIAS], 0);
  });

  test('the log-sum-exp is the softmax normaliser of the scaled, biased scores', () => {
    const q = randn([2, 3, 4], 4);
    const k = randn([2, 5, 4], 5);
    const v = randn([2, 5, 2], 6);
    const bias = tf.tensor([0, 0, MASKED_BIAS, 0, 0], [1, 1, 5]);
    const { output, logsumexp } = dotProductAttentionWithLogsumexp(q, k, v, { bias });
    expectClose(output, dotProductAttention(q, k, v, { bias }), 1e-5);
    const scores = tf.add(tf.matMul(q, k, false, true).div(2), bias);
    expectClose(logsumexp, tf.logSumExp(scores, -1, true), 1e-5);
  });

  test('dropout is drawn from the key: same key, same result; rate 0 is the identity', () => {
    const q = randn([2, 4, 3], 7);
    const k = randn([2, 4, 3], 8);
    const v = randn([2, 4, 3], 9);
    const a = dotProductAttention(q, k, v, { dropout: 0.5, rng: makeKey(3) });
    const b = dotProductAttention(q, k, v, { dropout: 0.5, rng: makeKey(3) });
    expectClose(a, b, 0);
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(dotProductAttention(q, k, v).dataSync()));
    expectClose(dotProductAttention(q, k, v, { dropout: 0, rng: makeKey(3) }), dotProductAttention(q, k, v), 0);
    expect(() => dotProductAttention(q, k, v, { dropout: 0.5 })).toThrow(/needs an rng/);
  });

  test('gradients match finite differences', () => {
    const bias = tf.tensor([0, MASKED_BIAS, 0, 0], [1, 1, 4]);
    expectGradientsMatchFiniteDifferences(
      (q, k, v) => dotProductAttention(q, k, v, { bias }).mul(randn([2, 3, 2], 99)),
      [randn([2, 3, 4], 10), randn([2, 4, 4], 11), randn([2, 4, 2], 12)],
    );
  });

  test('gradients with dropout (a fixed key) and a broadcast dropout pattern match finite differences', () => {
    for (const broadcastDropout of [false, true]) {
      expectGradientsMatchFiniteDifferences(
        (q, k, v) => dotProductAttention(q, k, v, { dropout: 0.4, rng: makeKey(8), broadcastDropout }).mul(randn([2, 3, 2], 98)),
        [randn([2, 3, 4], 16), randn([2, 4, 4], 17), randn([2, 4, 2], 18)],
      );
    }
  });

  test('gradients of the log-sum-exp output match finite differences', () => {
    expectGradientsMatchFiniteDifferences(
      (q, k, v) => {
        const { output, logsumexp } = dotProductAttentionWithLogsumexp(q, k, v);
        return tf.add(output.sum(), logsumexp.mul(tf.tensor([0.3, -0.7, 1.1], [1, 3, 1])).sum());
      },
      [randn([2, 3, 4], 13), randn([2, 4, 4], 14), randn([2, 4, 2], 15)],
    );
  });
});
