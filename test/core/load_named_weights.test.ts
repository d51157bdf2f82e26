import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Relu } from '../../src/layers/core/index.js';
import { loadNamedWeights } from '../../src/core/load_named_weights.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Layer } from '../../src/core/base.js';

const X = { shape: [1, 3], dtype: 'float32' as const };
const net = (): Layer => Serial(Dense(4), Relu(), Dense(2));

/** Fresh tensors for each of the layer's paths: path index i filled with i + 1, shapes and dtypes the layer's. */
function filled(layer: Layer, prefix = ''): Map<string, tf.Tensor> {
  return new Map([...namedTensors(layer)].map(([p, t], i) => [prefix + p, tf.fill(t.shape, i + 1)]));
}

class Misfit extends Error {}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('loadNamedWeights', () => {
  test('takes every path of the layer, owns those tensors, and the output follows the new weights', () => {
    const layer = net();
    layer.init(X, { seed: 3 });
    const named = filled(layer);
    const used = loadNamedWeights(layer, named);
    expect(used.size).toBe(named.size);
    const after = namedTensors(layer);
    for (const [p, t] of named) expect(after.get(p)).toBe(t);
    // Dense(4) on ones with w = 1, b = 2: 3 + 2 = 5 each; Relu; Dense(2) with w = 3, b = 4: 4 * 5 * 3 + 4 = 64.
    const y = layer.call(tf.ones([1, 3])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([64, 64]);
  });

  test('refuses a missing path, another shape and an unknown path, naming each, and changes nothing', () => {
    const layer = net();
    layer.init(X, { seed: 3 });
    const before = namedTensors(layer);
    const named = filled(layer);
    const [first, second] = [...named.keys()] as [string, string];
    named.delete(first);
    named.set(second, tf.zeros([7]));
    named.set('Serial/9/w', tf.zeros([1]));
    let error: unknown;
    try {
      loadNamedWeights(layer, named, { source: 'the test file', error: (m) => new Misfit(m) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Misfit);
    const message = (error as Error).message;
    expect(message).toContain(`weight ${first}: missing from the test file`);
    expect(message).toContain(`weight ${second}: the test file has float32[7]`);
    expect(message).toContain('weight Serial/9/w: in the test file (float32[1]) but not in the model');
    const now = namedTensors(layer);
    for (const [p, t] of before) expect(now.get(p)).toBe(t);
  });

  test('with a prefix reads only the paths under it; unknownPaths ignore skips paths the layer lacks', () => {
    const layer = net();
    layer.init(X, { seed: 3 });
    const named = filled(layer, 'loss/0/');
    named.set('loss/0/Extra/w', tf.zeros([2]));
    named.set('Serial/0/Dense_4/w', tf.zeros([1]));
    expect(() => loadNamedWeights(layer, named, { prefix: 'loss/0/' })).toThrow(
      'weight Extra/w: in the file (float32[2]) but not in the model',
    );
    const used = loadNamedWeights(layer, named, { prefix: 'loss/0/', unknownPaths: 'ignore' });
    expect(used.size).toBe(named.size - 2);
    expect(namedTensors(layer).get('Serial/0/Dense_4/b')).toBe(named.get('loss/0/Serial/0/Dense_4/b'));
  });

  test('refuses a layer that has no weights yet', () => {
    expect(() => loadNamedWeights(net(), new Map())).toThrow(/has no weights yet; call layer.init/);
  });
});
