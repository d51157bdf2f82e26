import { tf } from '../../../src/backend/tf.js';
import { Conv, Conv1d } from '../../../src/layers/convolution/conv.js';
import type { ConvPadding } from '../../../src/layers/convolution/conv_general.js';
import { Ones } from '../../../src/layers/initializers.js';
import { LayerError } from '../../../src/core/layer_error.js';
import { shapeDtype } from '../../../src/core/stack.js';
import type { Tensor } from '../../../src/core/types.js';
import { describeOnBackends } from '../../helpers/backends.js';
import { expectClose } from '../../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layer_checks.js';
import { naiveConv2d } from './naive_conv.js';

describeOnBackends('Conv', () => {
  test('is named Conv, with an HWIO kernel w and a [filters] bias b', () => {
    const layer = Conv(30, [3, 3]);
    expect(layer.name).toBe('Conv');
    const { weights } = layer.init(shapeDtype([9, 5, 5, 20]));
    expect((weights['w'] as Tensor).shape).toEqual([3, 3, 20, 30]);
    expect((weights['b'] as Tensor).shape).toEqual([30]);
    expect(Object.keys(Conv(30, [3, 3], { useBias: false }).init(shapeDtype([9, 5, 5, 20])).weights)).toEqual(['w']);
  });

  test.each([
    ['VALID', [9, 5, 5, 20], {}, [9, 3, 3, 4]],
    ['SAME', [2, 5, 5, 3], { padding: 'SAME' as const }, [2, 5, 5, 4]],
    ['SAME, strides 2', [2, 5, 6, 3], { padding: 'SAME' as const, strides: [2, 2] }, [2, 3, 3, 4]],
    ['VALID, strides [2, 1]', [2, 6, 5, 3], { strides: [2, 1] }, [2, 2, 3, 4]],
    [
      'explicit padding',
      [1, 4, 4, 2],
      {
        padding: [
          [1, 0],
          [2, 2],
        ] as Array<[number, number]>,
      },
      [1, 3, 6, 4],
    ],
    ['rebatched [A, B, H, W, C]', [2, 3, 5, 5, 2], {}, [2, 3, 3, 3, 4]],
  ])('output signature matches the output (%s)', (_label, shape, options, expected) => {
    const x = randn(shape, 1);
    expect(expectSignatureMatchesOutput(Conv(4, [3, 3], options), x)).toEqual(shapeDtype(expected));
    x.dispose();
  });

  test('hand-computed value: 2x2 windows of ones over 1..9 sum the windows, plus the bias', () => {
    const layer = Conv(1, [2, 2], { kernelInitializer: Ones() });
    layer.init(shapeDtype([1, 3, 3, 1]));
    layer.weights = { w: tf.ones([2, 2, 1, 1]), b: tf.tensor1d([0.5]) };
    const y = layer.call(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1])) as Tensor;
    expectClose(y, tf.tensor4d([12.5, 16.5, 24.5, 28.5], [1, 2, 2, 1]));
  });

  test('hand-computed value: SAME padding with strides 2 pads one zero on each side of a 5x5 input', () => {
    const layer = Conv(1, [3, 3], { padding: 'SAME', strides: [2, 2], useBias: false });
    layer.init(shapeDtype([1, 5, 5, 1]));
    layer.weights = { w: tf.ones([3, 3, 1, 1]) };
    // Each output counts the real (non-padding) cells under its window: 4 at corners, 6 at edges, 9 inside.
    expectClose(layer.call(tf.ones([1, 5, 5, 1])) as Tensor, tf.tensor4d([4, 6, 4, 6, 9, 6, 4, 6, 4], [1, 3, 3, 1]));
  });

  test('hand-computed value: two input features mix into two filters', () => {
    const layer = Conv(2, [1, 1], { useBias: false });
    layer.init(shapeDtype([1, 1, 1, 2]));
    // w[0, 0] = [[1, 2], [3, 4]]: filter 0 = 1 a + 3 b, filter 1 = 2 a + 4 b.
    layer.weights = { w: tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]) };
    expectClose(layer.call(tf.tensor4d([10, 100], [1, 1, 1, 2])) as Tensor, tf.tensor4d([310, 420], [1, 1, 1, 2]));
  });

  type NaiveCase = { strides?: number[]; dilations?: number[]; padding?: 'VALID' | 'SAME' | Array<[number, number]> };
  test.each<[string, NaiveCase]>([
    ['VALID', {}],
    ['SAME, strides [2, 3]', { padding: 'SAME' as const, strides: [2, 3] }],
    ['dilations [2, 1]', { dilations: [2, 1] }],
    ['SAME, strides [2, 2], dilations [1, 3]', { padding: 'SAME' as const, strides: [2, 2], dilations: [1, 3] }],
    [
      'explicit padding',
      {
        padding: [
          [2, 1],
          [0, 3],
        ] as Array<[number, number]>,
      },
    ],
  ])('equals a naive loop convolution (%s)', (_label, options) => {
    const x = randn([2, 7, 8, 3], 2);
    const layer = Conv(4, [3, 2], { ...options, useBias: false });
    layer.init(shapeDtype(x.shape), { seed: 5 });
    const w = layer.weights['w'] as Tensor;
    const expected = naiveConv2d(x, w, {
      strides: options.strides ?? [1, 1],
      dilations: options.dilations ?? [1, 1],
      padding: options.padding ?? 'VALID',
    });
    expectClose(layer.call(x) as Tensor, expected, 1e-4);
  });

  test('an NCHW input with an OIHW kernel equals the NHWC layer on transposed tensors', () => {
    const x = randn([2, 6, 5, 3], 3); // NHWC
    const nhwc = Conv(4, [3, 2], { strides: [1, 2] });
    nhwc.init(shapeDtype(x.shape), { seed: 1 });
    const nchw = Conv(4, [3, 2], { strides: [1, 2], dimensionNumbers: ['NCHW', 'OIHW', 'NCHW'] });
    const { weights } = nchw.init(shapeDtype([2, 3, 6, 5]));
    expect((weights['w'] as Tensor).shape).toEqual([4, 3, 3, 2]);
    expect((weights['b'] as Tensor).shape).toEqual([4, 1, 1]);
    nchw.weights = {
      w: tf.transpose(nhwc.weights['w'] as Tensor, [3, 2, 0, 1]),
      b: tf.reshape(nhwc.weights['b'] as Tensor, [4, 1, 1]),
    };
    const y = nchw.call(tf.transpose(x, [0, 3, 1, 2])) as Tensor;
    expectClose(tf.transpose(y, [0, 2, 3, 1]), nhwc.call(x) as Tensor, 1e-5);
  });

  test('the default kernel initializer is Glorot normal over the kernel fans', () => {
    const layer = Conv(64, [3, 3], { useBias: false });
    const w = layer.init(shapeDtype([1, 8, 8, 32])).weights['w'] as Tensor;
    // fanIn = 3·3·32, fanOut = 3·3·64: variance 2 / (288 + 576).
    const variance = tf.moments(w).variance.dataSync()[0]!;
    expect(variance).toBeGreaterThan(0.85 * (2 / 864));
    expect(variance).toBeLessThan(1.15 * (2 / 864));
  });

  test('gradients match finite differences (inputs, w and b), with SAME padding and strides', () => {
    const layer = Conv(3, [3, 2], { padding: 'SAME', strides: [2, 1] });
    const x = randn([2, 5, 4, 2], 4);
    layer.init(shapeDtype(x.shape), { seed: 2 });
    expectLayerGradientsMatch(layer, x);
  });

  test('gradients match finite differences in the NCHW layout with dilations', () => {
    const layer = Conv(2, [2, 2], { dilations: [2, 2], dimensionNumbers: ['NCHW', 'OIHW', 'NCHW'] });
    const x = randn([1, 2, 5, 5], 6);
    layer.init(shapeDtype(x.shape), { seed: 3 });
    expectLayerGradientsMatch(layer, x);
  });

  test('forward and backward passes leave tf.memory() unchanged (the custom gradient frees what it makes)', () => {
    const layer = Conv(3, [3, 3], { padding: 'SAME', strides: [2, 2], dilations: [2, 1] });
    const x = randn([2, 6, 6, 2], 7);
    layer.init(shapeDtype(x.shape));
    const w = layer.weights['w'] as Tensor;
    const step = () => {
      const { value, grads } = tf.valueAndGrads((xi: Tensor, wi: Tensor): tf.Scalar =>
        tf.sum(layer.pureFn(xi, { w: wi, b: layer.weights['b'] as Tensor }, {}, [0, 0])[0] as Tensor),
      )([x, w]);
      tf.dispose([value, ...grads]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('misuse gives errors naming the layer', () => {
    expect(() => Conv(0, [3, 3])).toThrow(RangeError);
    expect(() => Conv(4, [3])).toThrow(/kernelSize must be 2/);
    expect(() => Conv(4, [3, 3], { dimensionNumbers: ['NHWC', 'HWIO', 'NHW'] })).toThrow(/has no 'C'/);
    expect(() => Conv(4, [3, 3], { dilations: [0, 1] })).toThrow(/dilations must be 2 positive/);
    expect(() => Conv(4, [3, 3]).init(shapeDtype([1, 2, 5, 1]))).toThrow(LayerError);
    expect(() => Conv(4, [3, 3]).init(shapeDtype([5, 5, 1]))).toThrow(/Conv.*rank 4/);
    expect(() => Conv(4, [3, 3], { dimensionNumbers: ['NCHW', 'OIHW', 'NHWC'] }).init(shapeDtype([2, 1, 3, 5, 5]))).toThrow(
      /layouts starting with N/,
    );
  });
});

describeOnBackends('Conv1d', () => {
  test('is a Conv with an NWC input and a [k, C, filters] kernel', () => {
    const layer = Conv1d(6, 3);
    const { weights, outputSignature } = layer.init(shapeDtype([2, 10, 4]));
    expect((weights['w'] as Tensor).shape).toEqual([3, 4, 6]);
    expect(outputSignature).toEqual(shapeDtype([2, 8, 6]));
    expect(expectSignatureMatchesOutput(Conv1d(6, 3, { stride: 2, padding: 'SAME' }), randn([2, 9, 4], 1))).toEqual(shapeDtype([2, 5, 6]));
  });

  test('hand-computed value: y[t] = x[t] + 10 x[t+1] + 0.5, and with stride 2 every other window', () => {
    const layer = Conv1d(1, 2);
    layer.init(shapeDtype([1, 4, 1]));
    layer.weights = { w: tf.tensor3d([1, 10], [2, 1, 1]), b: tf.tensor1d([0.5]) };
    expectClose(layer.call(tf.tensor3d([1, 2, 3, 4], [1, 4, 1])) as Tensor, tf.tensor3d([21.5, 32.5, 43.5], [1, 3, 1]));
    const strided = Conv1d(1, 2, { stride: 2, useBias: false });
    strided.init(shapeDtype([1, 5, 1]));
    strided.weights = { w: tf.tensor3d([1, 10], [2, 1, 1]) };
    expectClose(strided.call(tf.tensor3d([1, 2, 3, 4, 5], [1, 5, 1])) as Tensor, tf.tensor3d([21, 43], [1, 2, 1]));
  });

  test('gradients match finite differences', () => {
    const layer = Conv1d(3, 3, { stride: 2 });
    const x = randn([2, 7, 2], 8);
    layer.init(shapeDtype(x.shape), { seed: 4 });
    expectLayerGradientsMatch(layer, x);
  });

  test.each([
    [1, 'VALID', [2, 12, 4], [2, 10, 6]],
    [2, 'VALID', [2, 12, 4], [2, 8, 6]],
    [4, 'VALID', [2, 12, 4], [2, 4, 6]],
    [1, 'SAME', [2, 11, 4], [2, 11, 6]],
    [2, 'SAME', [2, 11, 4], [2, 11, 6]],
    [4, 'SAME', [2, 11, 4], [2, 11, 6]],
    [4, 'SAME', [2, 3, 4], [2, 3, 6]],
  ] as const)('dilation %d, %s padding: the signature matches the output', (dilation, padding, shape, expected) => {
    const layer = Conv1d(6, 3, { dilation, padding });
    expect(layer.dilations).toEqual([dilation]);
    const x = randn([...shape], 9);
    expect(expectSignatureMatchesOutput(layer, x)).toEqual(shapeDtype([...expected]));
    x.dispose();
  });

  test('hand-computed value with dilation 2: y[t] = x[t] + 10 x[t+2] + 100 x[t+4] + 0.5', () => {
    const layer = Conv1d(1, 3, { dilation: 2 });
    layer.init(shapeDtype([1, 6, 1]));
    layer.weights = { w: tf.tensor3d([1, 10, 100], [3, 1, 1]), b: tf.tensor1d([0.5]) };
    // x = 1..6: y[0] = 1 + 30 + 500, y[1] = 2 + 40 + 600.
    expectClose(layer.call(tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 6, 1])) as Tensor, tf.tensor3d([531.5, 642.5], [1, 2, 1]));
  });

  test('hand-computed value with dilation 4 and SAME padding: y[t] = x[t-4] + 10 x[t] + 100 x[t+4], zeros outside', () => {
    const layer = Conv1d(1, 3, { dilation: 4, padding: 'SAME', useBias: false });
    layer.init(shapeDtype([1, 6, 1]));
    layer.weights = { w: tf.tensor3d([1, 10, 100], [3, 1, 1]) };
    // x = 1..6 (x[0] = 1): t = 0..3 see x[t+4] (5, 6 at t = 0, 1; nothing at t = 2, 3); t = 4, 5 see x[t-4].
    const y = layer.call(tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 6, 1])) as Tensor;
    expectClose(y, tf.tensor3d([10 + 500, 20 + 600, 30, 40, 1 + 50, 2 + 60], [1, 6, 1]));
  });

  test('hand-computed value: a dilated kernel mixes two input features into two filters', () => {
    const layer = Conv1d(2, 2, { dilation: 3, useBias: false });
    layer.init(shapeDtype([1, 4, 2]));
    // w[k, c, f]: filter 0 = x[t, 0] + x[t+3, 1]; filter 1 = 2 x[t, 1] - x[t+3, 0].
    layer.weights = {
      w: tf.tensor3d(
        [
          [
            [1, 0],
            [0, 2],
          ],
          [
            [0, -1],
            [1, 0],
          ],
        ],
        [2, 2, 2],
      ),
    };
    const x = tf.tensor3d(
      [
        [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
      ],
      [1, 4, 2],
    );
    // One output position (t = 0): [1 + 8, 4 - 7].
    expectClose(layer.call(x) as Tensor, tf.tensor3d([9, -3], [1, 1, 2]));
  });

  test.each([2, 4])('gradients match finite differences with dilation %d and SAME padding (inputs, w and b)', (dilation) => {
    const layer = Conv1d(3, 3, { dilation, padding: 'SAME' });
    const x = randn([2, 7, 2], 10 + dilation);
    layer.init(shapeDtype(x.shape), { seed: 5 });
    expectLayerGradientsMatch(layer, x);
  });

  test.each([
    [3, 1, 'VALID'],
    [3, 2, 'SAME'],
    [3, 4, 'SAME'],
    [2, 3, 'SAME'],
    [4, 1, [[2, 1]]],
  ] as const)(
    'kernel %d, dilation %d, %j padding: the sum of per-tap products equals the 2-D convolution route (values and gradients)',
    (k, dilation, padding) => {
      const conv1d = Conv1d(5, k, { dilation, padding: padding as ConvPadding });
      const x = randn([3, 9, 4], 20 + k + dilation);
      conv1d.init(shapeDtype(x.shape), { seed: 6 });
      // The same convolution as a 2-D one over [B, 1, L, C] (height 1), which runs through conv2d.
      const conv2d = Conv(5, [1, k], {
        dilations: [1, dilation],
        padding: padding === 'VALID' || padding === 'SAME' ? padding : [[0, 0], padding[0]],
      });
      conv2d.init(shapeDtype([3, 1, 9, 4]));
      const w = conv1d.weights['w'] as Tensor;
      const b = conv1d.weights['b'] as Tensor;
      const run1 = (xi: Tensor, wi: Tensor): Tensor => conv1d.pureFn(xi, { w: wi, b }, {}, [0, 0])[0] as Tensor;
      const run2 = (xi: Tensor, wi: Tensor): Tensor =>
        tf.squeeze(conv2d.pureFn(tf.expandDims(xi, 1), { w: tf.expandDims(wi, 0), b }, {}, [0, 0])[0] as Tensor, [1]);
      expectClose(run1(x, w), run2(x, w), 1e-5);
      const probe = randn(run1(x, w).shape, 30);
      const grads = (f: typeof run1): Tensor[] => tf.grads((xi: Tensor, wi: Tensor) => tf.sum(tf.mul(f(xi, wi), probe)))([x, w]);
      const [g1, g2] = [grads(run1), grads(run2)];
      expectClose(g1[0]!, g2[0]!, 1e-4);
      expectClose(g1[1]!, g2[1]!, 1e-4);
    },
  );

  test('a dilated forward and backward pass leaves tf.memory() unchanged', () => {
    const layer = Conv1d(3, 3, { dilation: 2, padding: 'SAME' });
    const x = randn([2, 8, 2], 12);
    layer.init(shapeDtype(x.shape));
    const step = (): void => {
      const { value, grads } = tf.valueAndGrads((xi: Tensor, wi: Tensor): tf.Scalar =>
        tf.sum(layer.pureFn(xi, { w: wi, b: layer.weights['b'] as Tensor }, {}, [0, 0])[0] as Tensor),
      )([x, layer.weights['w'] as Tensor]);
      tf.dispose([value, ...grads]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('refuses a dilation that is not a positive integer, naming Conv1d', () => {
    expect(() => Conv1d(2, 3, { dilation: 0 })).toThrow(/Conv1d: dilation must be a positive integer, got 0/);
    expect(() => Conv1d(2, 3, { dilation: 1.5 })).toThrow(/Conv1d: dilation must be a positive integer, got 1.5/);
    expect(() => Conv1d(2, 3, { dilation: 4 }).init(shapeDtype([1, 8, 1]))).toThrow(/shorter than the kernel's reach 9/);
  });
});
