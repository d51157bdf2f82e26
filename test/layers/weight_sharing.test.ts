import { tf } from '../../src/backend/tf.js';
import { Residual } from '../../src/combinators/residual.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Relu } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, randn } from './layer_checks.js';

describeOnBackends('weight sharing and weight paths', () => {
  test('a layer object used twice in a Serial shares its weights: same tensors at both paths, listed once', () => {
    const dense = Dense(4);
    const model = Serial(dense, Relu(), dense);
    const { weights } = model.init(shapeDtype([2, 4]));
    const first = weights['0'] as Weights;
    const second = weights['2'] as Weights;
    expect(first['w']).toBe(second['w']);
    expect(first['b']).toBe(second['b']);
    expect((model.weights['0'] as Weights)['w']).toBe((model.weights['2'] as Weights)['w']);
    expect(treeLeaves(model.weights)).toHaveLength(2);
    expect([...namedTensors(model).keys()]).toEqual(['Serial/0/Dense_4/w', 'Serial/0/Dense_4/b']);
  });

  test('the shared layer computes the same function at both places', () => {
    const dense = Dense(3);
    const model = Serial(dense, dense);
    model.init(shapeDtype([1, 3]));
    dense.weights = {
      w: tf.tensor2d([
        [1, 0, 0],
        [0, 2, 0],
        [0, 0, 3],
      ]),
      b: tf.tensor1d([1, 1, 1]),
    };
    // x = [1, 1, 1] -> [2, 3, 4] -> [3, 7, 13]
    expectClose(model.call(tf.tensor2d([[1, 1, 1]])) as Tensor, [[3, 7, 13]]);
  });

  test('the gradient of a shared weight sums both uses (finite differences)', () => {
    const dense = Dense(3);
    const model = Serial(dense, Relu(), dense);
    model.init(shapeDtype([2, 3]), { seed: 4 });
    expectLayerGradientsMatch(model, randn([2, 3], 5));
  });

  test('namedTensors paths look like Serial/0/Dense_4/w, through nested layers', () => {
    const model = Serial(Dense(4), Relu(), Serial(Dense(3), Dense(2, { useBias: false })));
    model.init(shapeDtype([1, 5]));
    expect([...namedTensors(model).keys()]).toEqual([
      'Serial/0/Dense_4/w',
      'Serial/0/Dense_4/b',
      'Serial/2/Serial/0/Dense_3/w',
      'Serial/2/Serial/0/Dense_3/b',
      'Serial/2/Serial/1/Dense_2/w',
    ]);
  });

  test('clone() keeps sharing inside the copy, gives the copy its own weights, and prints the same', () => {
    const dense = Dense(3);
    const model = Serial(dense, Relu(), dense);
    const copy = model.clone();
    expect(copy.sublayers[0]).toBe(copy.sublayers[2]);
    expect(copy.sublayers[0]).not.toBe(dense);
    copy.init(shapeDtype([1, 3]), { seed: 1 });
    model.init(shapeDtype([1, 3]), { seed: 2 });
    expect(treeLeaves(copy.weights)).toHaveLength(2);
    expect(treeLeaves(copy.weights)[0]).not.toBe(treeLeaves(model.weights)[0]);
    const residual = Residual(Dense(4), Relu());
    expect(residual.clone().toString()).toBe(residual.toString());
  });
});
