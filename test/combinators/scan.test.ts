import { tf } from '../../src/backend/tf.js';
import { Scan } from '../../src/combinators/scan.js';
import { Dense } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';

/** Trax's example cell: adds the input to the carry and outputs the new carry. */
const cumulativeSum = () =>
  Fn(
    'CumSum',
    (x, carry) => {
      const total = x.add(carry);
      return [total, total];
    },
    2,
  );

describeOnBackends('Scan', () => {
  test("Trax's cumulative sum: the scan of [1, 2, 3] from 0 is [1, 3, 6] with carry 6", () => {
    const scan = Scan(cumulativeSum());
    expect([scan.nIn, scan.nOut]).toEqual([2, 2]);
    const [ys, carry] = scan.call([tf.tensor1d([1, 2, 3]), tf.scalar(0)]) as Tensor[];
    expectClose(ys!, [1, 3, 6]);
    expectClose(carry!, 6);
  });

  test('scans along axis 1 of [B, L, D] batches; signatures match; gradient through steps and carry', () => {
    const scan = Scan(cumulativeSum(), { axis: 1 });
    const xs = tf.tensor3d([
      [
        [1, 10],
        [2, 20],
      ],
      [
        [3, 30],
        [4, 40],
      ],
    ]);
    const [ys, carry] = scan.call([xs, tf.zeros([2, 2])]) as Tensor[];
    expectClose(
      ys!,
      tf.tensor3d([
        [
          [1, 10],
          [3, 30],
        ],
        [
          [3, 30],
          [7, 70],
        ],
      ]),
    );
    expectClose(carry!, [
      [3, 30],
      [7, 70],
    ]);
    expect(expectSignatureMatchesOutput(Scan(cumulativeSum(), { axis: 1 }), [randn([2, 4, 3], 1), randn([2, 3], 2)])).toEqual([
      shapeDtype([2, 4, 3]),
      shapeDtype([2, 3]),
    ]);
    expectLayerGradientsMatch(Scan(cumulativeSum(), { axis: 1 }), [randn([2, 3, 2], 3), randn([2, 2], 4)]);
  });

  test('a carried tanh cell and a cell with weights (the same weights at every step): gradients checked', () => {
    // h_t = tanh(x_t + h_{t-1}), output h_t
    const tanhCell = Scan(
      Fn(
        'TanhStep',
        (x, c) => {
          const h = x.add(c).tanh();
          return [h, h];
        },
        2,
      ),
      { axis: 1 },
    );
    expectLayerGradientsMatch(tanhCell, [randn([2, 3, 2], 5), randn([2, 2], 6)]);
    const dense = Scan(Dense(2), { axis: 1, nCarry: 0 });
    expect([dense.nIn, dense.nOut]).toEqual([1, 1]);
    dense.init(shapeDtype([2, 3, 2]), { seed: 1 });
    expectLayerGradientsMatch(dense, randn([2, 3, 2], 7));
  });

  test('a carry whose shape the cell changes is a LayerError naming Scan', () => {
    const grows = Scan(
      Fn('Grows', (x, c) => [x, tf.concat([c, c], -1)], 2),
      { axis: 0 },
    );
    expect(() => grows.init([shapeDtype([3, 2]), shapeDtype([2])])).toThrow(LayerError);
    expect(() => grows.init([shapeDtype([3, 2]), shapeDtype([2])])).toThrow(/Scan.*carry/);
    expect(() => Scan(cumulativeSum(), { axis: 2 }).init([shapeDtype([3]), shapeDtype([])])).toThrow(/Scan.*axis 2 is out of range/);
    expect(() => Scan(cumulativeSum(), { nCarry: 3 })).toThrow(RangeError);
  });
});
