import { currentBackend, useBackend } from '../../src/backend/backends.js';
import { tf } from '../../src/backend/tf.js';
import { Residual } from '../../src/combinators/residual.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LayerNorm, LogSoftmax, Relu } from '../../src/layers/core/index.js';
import { shapeDtype } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';

function model() {
  return Serial(Embedding(50, 16), Residual(LayerNorm(), Dense(16), Relu()), Dense(5), LogSoftmax());
}

test('weights made on one backend keep working after switching, forward and backward', async () => {
  await useBackend('cpu');
  const m = model();
  m.init(shapeDtype([2, 7], 'int32'), { seed: 3 });
  const ids = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6, 7],
      [9, 8, 7, 6, 5, 0, 0],
    ],
    undefined,
    'int32',
  );
  const lossOf = () => (m.pureFn(ids, m.weights, m.state, makeKey(0))[0] as Tensor).mean();
  const onCpu = (m.call(ids) as Tensor).arraySync();
  const leaves = treeLeaves(m.weights);
  const gradsCpu = tf
    .grads(lossOf)(leaves)
    .map((g) => Array.from(g.dataSync()));

  await useBackend('wasm');
  expect(currentBackend()).toBe('wasm');
  const onWasm = m.call(ids) as Tensor;
  const expected = tf.tensor(onCpu);
  expect(tf.max(tf.abs(tf.sub(onWasm, expected))).dataSync()[0]).toBeLessThan(1e-5);
  const gradsWasm = tf
    .grads(lossOf)(leaves)
    .map((g) => Array.from(g.dataSync()));
  gradsWasm.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - gradsCpu[i]![j]!)).toBeLessThan(1e-5)));

  await useBackend('cpu');
  expect(Math.abs((m.call(ids) as Tensor).sum().dataSync()[0]! - expected.sum().dataSync()[0]!)).toBeLessThan(1e-4);
});

test('a backend that cannot start, or an unknown one, is a clear error', async () => {
  await expect(useBackend('nope' as 'cpu')).rejects.toThrow(/unknown backend 'nope'; expected one of wasm, webgl, cpu/);
  await expect(useBackend('webgl')).rejects.toThrow(/webgl/);
  await useBackend('wasm');
  expect(currentBackend()).toBe('wasm');
});
