/**
 * Trax's core-layer tests (trax/layers/core_test.py at google/trax 7c189c2c), one test per Trax test. The Trax
 * cases not ported here (Trax's array functions) are listed in NOT_PORTED.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { Serial } from '../../src/combinators/serial.js';
import {
  ArgMax,
  Dense,
  Dropout,
  Embedding,
  Flatten,
  LocallyConnected1d,
  LogSoftmax,
  Max,
  Mean,
  Min,
  PaddingMask,
  RandomUniformLayer,
  ShiftRight,
  Softmax,
  StopGradient,
  Sum,
  SummaryScalar,
  ThresholdToBinary,
  WeightsLayer,
} from '../../src/layers/core/index.js';
import { RandomNormal } from '../../src/layers/initializers.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/node_files.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { asList } from './helpers.js';

const w = (weights: Weights, name: string) => weights[name] as Tensor;
const ids = (values: number[]) => tf.tensor1d(values, 'int32');
const row = (y: Tensor, i: number) => (y.arraySync() as number[][])[i];

describeOnBackends('conformance: core_test.py', () => {
  describe('DenseTest', () => {
    // trax/layers/core_test.py::DenseTest::test_call_before_init_raises_error
    // Difference: a trax-ts layer called before init initialises itself from the inputs' signature (seed 0), as a
    // convenience for interactive use; Trax raises. An input the layer cannot take is still a LayerError.
    test('test_call_before_init_raises_error', () => {
      const layer = Dense(5);
      expect((layer.call(tf.tensor1d([1, 2, 3])) as Tensor).shape).toEqual([5]);
      expect(layer.initialized).toBe(true);
      expect(() => Dense(5).call(tf.tensor1d([1, 2, 3], 'int32'))).toThrow(LayerError);
    });

    // trax/layers/core_test.py::DenseTest::test_call_uses_and_caches_supplied_weights
    // Trax's layer(x, weights=...) is pureFn(x, weights, state, rng): the given weights are used, the stored ones
    // are left as they were.
    test('test_call_uses_and_caches_supplied_weights', () => {
      const layer = Dense(4);
      const x = tf.tensor1d([2, 3]);
      layer.init(shapeDtype([2]));
      const [wInit, bInit] = [w(layer.weights, 'w'), w(layer.weights, 'b')];
      const given = {
        w: tf.tensor2d([
          [10000, 20000, 30000, 40000],
          [100, 200, 100, 200],
        ]),
        b: tf.tensor1d([9, 8, 7, 6]),
      };
      const [y] = layer.pureFn(x, given, layer.state, makeKey(0));
      expect(asList(y)).toEqual([20309, 40608, 60307, 80606]);
      expect(w(layer.weights, 'w')).toBe(wInit);
      expect(w(layer.weights, 'b')).toBe(bInit);
      expect(w(layer.weights, 'w').arraySync()).not.toEqual(given.w.arraySync());
    });

    // trax/layers/core_test.py::DenseTest::test_separate_instances_have_separate_weights
    test('test_separate_instances_have_separate_weights', () => {
      const model = Serial(Dense(5), Dense(5));
      model.init(shapeDtype([5]));
      const [w0, w1] = model.sublayers.map((l) => l.weights);
      expect(w(w0!, 'w').arraySync()).not.toEqual(w(w1!, 'w').arraySync());
      expect(w(w0!, 'b').arraySync()).not.toEqual(w(w1!, 'b').arraySync());
    });

    // trax/layers/core_test.py::DenseTest::test_shared_instance_means_shared_weights
    // Trax marks the second place with GET_WEIGHTS_FROM_CACHE; trax-ts puts the same tensors there.
    test('test_shared_instance_means_shared_weights', () => {
      const layer = Dense(5);
      const { weights } = Serial(layer, layer).init(shapeDtype([5]));
      expect(w(weights['1'] as Weights, 'w')).toBe(w(weights['0'] as Weights, 'w'));
    });

    // trax/layers/core_test.py::DenseTest::test_call_no_bias
    test('test_call_no_bias', () => {
      const layer = Dense(4, { useBias: false });
      layer.init(shapeDtype([3]));
      const given = {
        w: tf.tensor2d([
          [100, 200, 300, 400],
          [10, 10, 10, 10],
          [1, 2, 1, 2],
        ]),
      };
      const [y] = layer.pureFn(tf.tensor1d([2, 5, 3]), given, {}, makeKey(0));
      expect(asList(y)).toEqual([253, 456, 653, 856]);
    });

    // trax/layers/core_test.py::DenseTest::test_new_weights_use_bias
    test('test_new_weights_use_bias', () => {
      const layer = Dense(4);
      layer.init(shapeDtype([2]));
      expect(Object.keys(layer.weights)).toHaveLength(2);
      expect(w(layer.weights, 'w').shape).toEqual([2, 4]);
      expect(w(layer.weights, 'b').shape).toEqual([4]);
    });

    // trax/layers/core_test.py::DenseTest::test_new_weights_no_bias
    test('test_new_weights_no_bias', () => {
      const layer = Dense(4, { useBias: false });
      layer.init(shapeDtype([2]));
      expect(Object.keys(layer.weights)).toEqual(['w']);
      expect(w(layer.weights, 'w').shape).toEqual([2, 4]);
    });

    // trax/layers/core_test.py::DenseTest::test_init_twice_weights_same_shape
    // trax-ts's second init keeps the weights the first made (reinit: true would draw new ones).
    test('test_init_twice_weights_same_shape', () => {
      const layer = Dense(4, { useBias: false });
      const w1 = w(layer.init(shapeDtype([2])).weights, 'w');
      const w2 = w(layer.init(shapeDtype([2])).weights, 'w');
      expect(w1.shape).toEqual([2, 4]);
      expect(w2.shape).toEqual([2, 4]);
      expect(w2).toBe(w1);
    });

    // trax/layers/core_test.py::DenseTest::test_save_to_file_and_init_to_file
    // trax-ts saves weights as safetensors; loading fills a layer initialised for the same inputs (Trax's
    // init_from_file initialises from the file).
    test('test_save_to_file_and_init_to_file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trax-ts-conformance-'));
      try {
        const layer1 = Dense(4, { useBias: false });
        const layer2 = Dense(4, { useBias: false });
        const w1 = w(layer1.init(shapeDtype([2])).weights, 'w');
        const file = await saveSafetensors(layer1, join(dir, 'dense_weights.safetensors'));
        layer2.init(shapeDtype([2]), { seed: 1 });
        await loadSafetensors(layer2, file);
        const w2 = w(layer2.weights, 'w');
        expect(w2.shape).toEqual([2, 4]);
        expect(w2.arraySync()).toEqual(w1.arraySync());
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('EmbeddingTest', () => {
    // trax/layers/core_test.py::EmbeddingTest::test_forward
    test('test_forward', () => {
      const layer = Embedding(10, 3);
      layer.init(undefined);
      const y = layer.call(ids([2, 3, 5, 3, 2])) as Tensor;
      expect(y.shape).toEqual([5, 3]);
      expect(row(y, 0)).not.toEqual(row(y, 1));
      expect(row(y, 0)).not.toEqual(row(y, 2));
      expect(row(y, 1)).not.toEqual(row(y, 2));
      expect(row(y, 0)).toEqual(row(y, 4));
      expect(row(y, 1)).toEqual(row(y, 3));
    });

    // trax/layers/core_test.py::EmbeddingTest::test_negative_inputs_clip_to_zero
    // Difference: Trax clips a negative id to 0; trax-ts refuses it (by default, checkIds), naming the id, since a
    // negative id is a bug in the data and tfjs's wasm and webgl backends would otherwise read garbage.
    test('test_negative_inputs_clip_to_zero', () => {
      const layer = Embedding(10, 3);
      layer.init(undefined);
      expect(() => layer.call(ids([0, 2, 3, -2, -3]))).toThrow(LayerError);
      expect(() => layer.call(ids([0, 2, 3, -2, -3]))).toThrow(/id -2 \(at flat index 3\) is outside the vocabulary \[0, 10\)/);
    });

    // trax/layers/core_test.py::EmbeddingTest::test_large_inputs_clip_to_upper_bound
    // Difference: Trax clips an id >= vocab_size to vocab_size - 1; trax-ts refuses it (see above).
    test('test_large_inputs_clip_to_upper_bound', () => {
      const layer = Embedding(10, 3);
      layer.init(undefined);
      expect((layer.call(ids([2, 3, 9])) as Tensor).shape).toEqual([3, 3]);
      expect(() => layer.call(ids([2, 3, 9, 10, 20]))).toThrow(/id 10 \(at flat index 3\) is outside the vocabulary \[0, 10\)/);
    });

    // trax/layers/core_test.py::EmbeddingTest::test_new_weights
    // Trax's comment says the default is a unit Gaussian; its code (and trax-ts) draws uniform with variance
    // 1 / d_feature. Either way the mean is near 0.
    test('test_new_weights', () => {
      const layer = Embedding(20, 5);
      layer.init(undefined);
      const table = w(layer.weights, 'w');
      expect(table.shape).toEqual([20, 5]);
      expect(Math.abs(tf.mean(table).arraySync() as number)).toBeLessThan(0.4);
    });

    // trax/layers/core_test.py::EmbeddingTest::test_explicit_kernel_initializer
    test('test_explicit_kernel_initializer', () => {
      const arange = (_key: unknown, shape: number[]) => tf.reshape(tf.range(0, shape[0]! * shape[1]!), shape);
      const layer = Embedding(5, 2, { kernelInitializer: arange });
      layer.init(undefined);
      expect(asList(layer.call(ids([0, 1, 2, 3, 4])))).toEqual([
        [0, 1],
        [2, 3],
        [4, 5],
        [6, 7],
        [8, 9],
      ]);
      // The option had another name before 0.2.0; the old name is refused rather than ignored.
      expect(() => Embedding(5, 2, { initializer: arange } as never)).toThrow(/unknown option 'initializer'/);
    });
  });

  describe('DropoutTest', () => {
    // trax/layers/core_test.py::DropoutTest::test_call_in_train_mode
    test('test_call_in_train_mode', () => {
      const layer = Dropout(0.1, { mode: 'train' });
      const y = layer.call(tf.ones([2, 5, 1000])) as Tensor;
      expect(y.shape).toEqual([2, 5, 1000]);
      const remaining = tf.sum(tf.cast(tf.notEqual(y, 0), 'int32')).arraySync() as number;
      expect(Math.abs(remaining - 9000)).toBeLessThan(4 * 30);
    });

    // trax/layers/core_test.py::DropoutTest::test_call_in_eval_mode_does_no_dropout
    test('test_call_in_eval_mode_does_no_dropout', () => {
      const y = Dropout(0.1, { mode: 'eval' }).call(tf.ones([2, 5, 1000])) as Tensor;
      expect(tf.sum(tf.cast(tf.notEqual(y, 0), 'int32')).arraySync()).toBe(10_000);
    });

    // trax/layers/core_test.py::DropoutTest::test_new_weights
    test('test_new_weights', () => {
      const layer = Dropout(0.1, { mode: 'train' });
      layer.init(undefined);
      expect(layer.weights).toEqual({});
    });
  });

  describe('FlattenTest', () => {
    const x = () => tf.ones([1, 2, 3, 4, 5]);

    // trax/layers/core_test.py::FlattenTest::test_keep_default
    test('test_keep_default', () => {
      expect((Flatten().call(x()) as Tensor).shape).toEqual([1, 2 * 3 * 4 * 5]);
    });

    // trax/layers/core_test.py::FlattenTest::test_keep_3
    test('test_keep_3', () => {
      expect((Flatten(3).call(x()) as Tensor).shape).toEqual([1, 2, 3, 4 * 5]);
    });

    // trax/layers/core_test.py::FlattenTest::test_keep_max_number
    test('test_keep_max_number', () => {
      expect((Flatten(4).call(x()) as Tensor).shape).toEqual([1, 2, 3, 4, 5]);
    });

    // trax/layers/core_test.py::FlattenTest::test_keep_too_many_raises_error
    test('test_keep_too_many_raises_error', () => {
      expect(() => Flatten(5).call(x())).toThrow(LayerError);
    });
  });

  describe('LogSoftmaxTest', () => {
    // trax/layers/core_test.py::LogSoftmaxTest::test_call
    test('test_call', () => {
      const y = LogSoftmax().call(
        tf.tensor2d([
          [2, 1, -10],
          [1, 1, -10],
        ]),
      ) as Tensor;
      expectClose(
        y,
        [
          [-0.313, -1.313, -12.313],
          [-0.693, -0.693, -11.693],
        ],
        0.001,
      );
    });
  });

  describe('SoftmaxTest', () => {
    // trax/layers/core_test.py::SoftmaxTest::test_call
    test('test_call', () => {
      const y = Softmax().call(
        tf.tensor2d([
          [2, 1, -10],
          [1, 1, -10],
        ]),
      ) as Tensor;
      expectClose(
        y,
        [
          [0.731, 0.269, 0.00000449],
          [0.5, 0.5, 0.00000835],
        ],
        0.001,
      );
    });
  });

  // Trax's names of these layers (trax/layers/core.py, attention.py): the printed tree reads the same.
  test("the core layers carry Trax's names", () => {
    const names = [
      Dense(512),
      Embedding(100, 8),
      Flatten(3),
      ShiftRight(),
      PaddingMask(),
      LogSoftmax(),
      Softmax(),
      Mean(),
      Sum(),
      ArgMax(),
      Dropout(0.1),
    ].map(String);
    expect(names).toEqual([
      'Dense_512',
      'Embedding_100_8',
      'Flatten_keep3',
      'ShiftRight(1)',
      'PaddingMask(0)',
      'LogSoftmax',
      'Softmax',
      'Mean',
      'Sum',
      'ArgMax',
      'Dropout',
    ]);
    const added = [
      Min(),
      Max(),
      StopGradient(),
      ThresholdToBinary(),
      SummaryScalar('loss'),
      LocallyConnected1d(6, 3),
      new RandomUniformLayer(),
    ].map(String);
    expect(added).toEqual([
      'Min',
      'Max',
      'StopGradient',
      'ThresholdToBinary',
      'Summary_loss',
      'LocallyConnected1d_6_3',
      'RandomUniform_in0',
    ]);
  });

  describe('WeightsTest', () => {
    // Trax's `Weights` is trax-ts's `WeightsLayer` (`Weights` is the type of a weight tree); Trax's initializer
    // `f(shape, rng)` is trax-ts's `(key, shape)`. Trax's `layer(())` is `call([])`: no inputs.
    const zeros = (_key: unknown, shape: number[]) => tf.zeros(shape);

    // trax/layers/core_test.py::WeightsTest::test_simple
    test('test_simple', () => {
      const layer = new WeightsLayer(zeros);
      layer.init([]);
      expect(asList(layer.call([]))).toBe(0);
    });

    // trax/layers/core_test.py::WeightsTest::test_shape
    test('test_shape', () => {
      const layer = new WeightsLayer(RandomNormal(), [5, 10, 3]);
      layer.init([]);
      expect((layer.call([]) as Tensor).shape).toEqual([5, 10, 3]);
    });

    // trax/layers/core_test.py::WeightsTest::test_simple_custom_initializer
    test('test_simple_custom_initializer', () => {
      const layer = new WeightsLayer(RandomNormal());
      layer.init([]);
      const y = layer.call([]) as Tensor;
      expect(y.shape).toEqual([]);
      expect(asList(y)).not.toBe(0);
    });

    // trax/layers/core_test.py::WeightsTest::test_custom_initializer_shape
    test('test_custom_initializer_shape', () => {
      const layer = new WeightsLayer(zeros, [2, 2]);
      layer.init([]);
      expect(asList(layer.call([]))).toEqual([
        [0, 0],
        [0, 0],
      ]);

      const normal = new WeightsLayer(RandomNormal(), [2, 2]);
      normal.init([]);
      const y = normal.call([]) as Tensor;
      expect(y.shape).toEqual([2, 2]);
      expect(asList(y)).not.toEqual([
        [0, 0],
        [0, 0],
      ]);
    });
  });

  describe('SummaryScalarTest', () => {
    // trax/layers/core_test.py::SummaryScalarTest::test_passes
    // Trax also reports the value to TensorBoard; trax-ts keeps it in the layer's state only.
    test('test_passes', () => {
      const layer = SummaryScalar('test');
      const y = layer.call(
        tf.tensor2d([
          [3, 5],
          [2, 6],
        ]),
      );
      expect(asList(y)).toEqual([
        [3, 5],
        [2, 6],
      ]);
      expect(asList(layer.state['summary_test'] as Tensor)).toBe(4);
    });
  });

  describe('RandomUniformTest', () => {
    // Trax's layer `RandomUniform` is trax-ts's `RandomUniformLayer` (`RandomUniform` is the initializer), with
    // Trax's positional `min_val, max_val` as options.

    // trax/layers/core_test.py::RandomUniformTest::test_simple
    test('test_simple', () => {
      const layer = new RandomUniformLayer();
      layer.init([]);
      const y = layer.call([]) as Tensor;
      expect(y.shape).toEqual([]);
      const value = asList(y) as number;
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    });

    // trax/layers/core_test.py::RandomUniformTest::test_shape
    test('test_shape', () => {
      const layer = new RandomUniformLayer({ shape: [5, 10, 3] });
      layer.init([]);
      expect((layer.call([]) as Tensor).shape).toEqual([5, 10, 3]);
    });

    // trax/layers/core_test.py::RandomUniformTest::test_simple_range
    test('test_simple_range', () => {
      const layer = new RandomUniformLayer({ minVal: 1, maxVal: 2, shape: [1000] });
      layer.init([]);
      const y = layer.call([]) as Tensor;
      expect(y.shape).toEqual([1000]);
      const values = asList(y) as number[];
      const [lo, hi] = [Math.min(...values), Math.max(...values)];
      for (const v of [lo, hi]) {
        expect(v).toBeGreaterThanOrEqual(1);
        expect(v).toBeLessThanOrEqual(2);
      }
      expect(lo).toBeLessThanOrEqual(1.5);
      expect(hi).toBeGreaterThanOrEqual(1.5);
    });
  });

  describe('LocallyConnected1dTest', () => {
    // Trax's input is an integer array; trax-ts's LocallyConnected1d, like Dense, takes float inputs.
    const x = () =>
      tf.tensor2d([
        [0, 1],
        [2, 3],
        [4, 5],
      ]);

    // trax/layers/core_test.py::LocallyConnected1dTest::test_shape_kernel1
    test('test_shape_kernel1', () => {
      for (const padding of ['WRAP', 'SAME', 'VALID'] as const) {
        const layer = LocallyConnected1d(6, 1, { padding });
        layer.init(shapeDtype([3, 2]));
        expect((layer.call(x()) as Tensor).shape).toEqual([3, 6]);
      }
    });

    // trax/layers/core_test.py::LocallyConnected1dTest::test_shape_kernel3
    test('test_shape_kernel3', () => {
      for (const padding of ['WRAP', 'SAME'] as const) {
        const layer = LocallyConnected1d(6, 3, { padding });
        layer.init(shapeDtype([3, 2]));
        expect((layer.call(x()) as Tensor).shape).toEqual([3, 6]);
      }
      for (const padding of ['VALID'] as const) {
        const layer = LocallyConnected1d(6, 3, { padding });
        layer.init(shapeDtype([3, 2]));
        expect((layer.call(x()) as Tensor).shape).toEqual([1, 6]);
      }
    });
  });

  describe('StopGradientTest', () => {
    // trax/layers/core_test.py::StopGradientTest::test_passes
    test('test_passes', () => {
      const y = StopGradient().call(
        tf.tensor2d([
          [3, 5],
          [2, 6],
        ]),
      ) as Tensor;
      expect(y.shape).toEqual([2, 2]);
      expect(asList(y)).toEqual([
        [3, 5],
        [2, 6],
      ]);
    });
  });

  describe('MinMaxTest', () => {
    const x = () =>
      tf.tensor2d([
        [3, 5],
        [2, 6],
      ]);

    // trax/layers/core_test.py::MinMaxTest::test_min
    test('test_min', () => {
      const cases: [ReturnType<typeof Min>, number[], unknown][] = [
        [Min(), [2], [3, 2]],
        [Min(0), [2], [2, 5]],
        [Min(null), [], 2],
        [Min(-1, true), [2, 1], [[3], [2]]],
      ];
      for (const [layer, shape, expected] of cases) {
        const y = layer.call(x()) as Tensor;
        expect(y.shape).toEqual(shape);
        expect(asList(y)).toEqual(expected);
      }
    });

    // trax/layers/core_test.py::MinMaxTest::test_max
    test('test_max', () => {
      const cases: [ReturnType<typeof Max>, number[], unknown][] = [
        [Max(), [2], [5, 6]],
        [Max(0), [2], [3, 6]],
        [Max(null), [], 6],
        [Max(0, true), [1, 2], [[3, 6]]],
      ];
      for (const [layer, shape, expected] of cases) {
        const y = layer.call(x()) as Tensor;
        expect(y.shape).toEqual(shape);
        expect(asList(y)).toEqual(expected);
      }
    });
  });

  describe('ClassifierLayersTest', () => {
    // trax/layers/core_test.py::ClassifierLayersTest::test_threshold_to_binary
    test('test_threshold_to_binary', () => {
      const y = ThresholdToBinary().call(tf.tensor1d([0.3, 0.49, 0.5, 0.51, 0.7]));
      expect(asList(y)).toEqual([0, 0, 0, 1, 1]);
    });

    // trax/layers/core_test.py::ClassifierLayersTest::test_arg_max
    test('test_arg_max', () => {
      const y = ArgMax().call(
        tf.tensor2d([
          [0.1, 0.9, 0.2, 0.8],
          [0.22, 0.88, 0.11, 0.99],
        ]),
      );
      expect(asList(y)).toEqual([1, 3]);
    });
  });
});
