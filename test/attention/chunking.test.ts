import { tf } from '../../src/backend/tf.js';
import { lookAdjacent, neighbourOffsets, padAxisTo, paddedLength, takeAxis } from '../../src/attention/chunking.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose, expectGradientsMatchFiniteDifferences } from '../helpers/gradcheck.js';
import { randn } from '../layers/layer_checks.js';

describeOnBackends('chunking helpers', () => {
  test('lookAdjacent concatenates the neighbour chunks at offsets -before..after, wrapping around', () => {
    // 3 chunks of 2 items (values = chunk * 10 + item).
    const x = tf
      .tensor([
        [0, 1],
        [10, 11],
        [20, 21],
      ])
      .reshape([1, 3, 2, 1]);
    expect(neighbourOffsets(1, 1)).toEqual([-1, 0, 1]);
    const y = lookAdjacent(x, 1, 1, 1).reshape([3, 6]);
    expectClose(
      y,
      [
        [20, 21, 0, 1, 10, 11],
        [0, 1, 10, 11, 20, 21],
        [10, 11, 20, 21, 0, 1],
      ],
      0,
    );
    expect(lookAdjacent(x, 1, 0, 0)).toBe(x);
  });

  test('the gradient of lookAdjacent matches finite differences', () => {
    const probe = randn([2, 4, 9, 3], 2);
    expectGradientsMatchFiniteDifferences((x) => tf.mul(lookAdjacent(x, 1, 2, 0), probe), [randn([2, 4, 3, 3], 1)]);
  });

  test('padding to whole chunks and taking back', () => {
    expect([paddedLength(37, 16), paddedLength(64, 16), paddedLength(1, 16)]).toEqual([48, 64, 16]);
    const x = randn([2, 5, 3], 3);
    const p = padAxisTo(x, 1, 8);
    expect(p.shape).toEqual([2, 8, 3]);
    expectClose(takeAxis(p, 1, 5), x, 0);
    expect(tf.sum(tf.abs(p.slice([0, 5, 0], [2, 3, 3]))).dataSync()[0]).toBe(0);
  });
});
