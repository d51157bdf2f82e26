import { tf } from '../../src/backend/tf.js';
import { Dup } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense } from '../../src/layers/core/dense.js';
import { PositionalEncoding } from '../../src/layers/core/positional_encoding.js';
import { flattenWeightsAndState, unflattenWeights, unflattenWeightsAndState } from '../../src/core/flat_weights.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor, Weights } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';

const at = (tree: Weights, ...path: string[]): Tensor => path.reduce((t: Weights | Tensor, k) => (t as Weights)[k]!, tree) as Tensor;

describeOnBackends('flattenWeightsAndState / unflattenWeightsAndState', () => {
  test('flattening lists each distinct weight once, in tree order', () => {
    const model = Serial(Dup(), Dense(5), Serial(Dense(7), Dup()));
    model.init(shapeDtype([2, 3]));
    const [flatWeights, flatState] = flattenWeightsAndState(model.weights, model.state);
    expect(flatWeights.map((t) => t.shape)).toEqual([[3, 5], [5], [5, 7], [7]]);
    expect(flatWeights[0]).toBe(at(model.weights, '1', 'w'));
    expect(flatState).toEqual([]);
  });

  test('the flat list of one model fills another of the same layout, tensor for tensor', () => {
    const model = Serial(Dense(5), Dense(7));
    model.init(shapeDtype([2, 3]));
    const [flat] = flattenWeightsAndState(model.weights, model.state);
    const other = Serial(Dup(), Dense(5), Serial(Dense(7)));
    other.init(shapeDtype([2, 3]), { seed: 9 });
    const weights = unflattenWeights(flat, other);
    other.weights = weights;
    expect(at(other.weights, '1', 'w')).toBe(at(model.weights, '0', 'w'));
    expect(at(other.weights, '2', '0', 'b')).toBe(at(model.weights, '1', 'b'));
    expect(Array.from((other.call(tf.ones([2, 3])) as Tensor[])[0]!.dataSync())).toEqual(
      Array.from((model.call(tf.ones([2, 3])) as Tensor).dataSync()),
    );
  });

  test('a shared layer gets one tensor in every place it appears', () => {
    const shared = Dense(3);
    const model = Serial(Dense(3), shared, shared);
    model.init(shapeDtype([1, 3]));
    const [flat] = flattenWeightsAndState(model.weights, model.state);
    expect(flat.length).toBe(4);
    const fresh = Serial(Dense(3), shared, shared);
    const weights = unflattenWeights(
      flat.map((t) => t.add(1)),
      fresh,
      shapeDtype([1, 3]),
    );
    expect(at(weights, '1', 'w')).toBe(at(weights, '2', 'w'));
  });

  test('state is laid out too, from an input signature without initialising the layer', () => {
    const layer = PositionalEncoding({ maxLen: 8 });
    layer.mode = 'predict';
    const before = tf.memory().numTensors;
    const flatState = [tf.scalar(3, 'int32')];
    const flatWeights = [tf.zeros([8, 4])];
    const { weights, state } = unflattenWeightsAndState(flatWeights, flatState, layer, shapeDtype([1, 1, 4]));
    expect(layer.initialized).toBe(false);
    expect(state['index']).toBe(flatState[0]);
    expect(weights['w']).toBe(flatWeights[0]);
    // Only the two tensors made here are left: the layouts were freed.
    expect(tf.memory().numTensors).toBe(before + 2);
  });

  test('refuses a wrong count, shape or dtype, naming the place', () => {
    const model = Serial(Dense(2), Dense(4));
    model.init(shapeDtype([1, 3]));
    const [flat] = flattenWeightsAndState(model.weights, model.state);
    expect(() => unflattenWeights(flat.slice(1), model)).toThrow(/3 weight tensors for a layout of 4/);
    const wrong = [tf.zeros([3, 3]), ...flat.slice(1)];
    expect(() => unflattenWeights(wrong, model)).toThrow(/float32\[3,3\] but 0\/w needs float32\[3,2\]/);
    expect(() => unflattenWeightsAndState(flat, [tf.zeros([1])], model)).toThrow(/1 state tensors for a layout of 0/);
    expect(() => unflattenWeights(flat, Serial(Dense(2), Dense(4)))).toThrow(/not initialised; pass an input signature/);
  });
});
