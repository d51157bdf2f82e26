import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LayerNorm } from '../../src/layers/core/index.js';
import { LSTM } from '../../src/rnn/recurrent.js';
import { shapeDtype } from '../../src/core/stack.js';
import { flattenTree } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';

const model = () => Serial(Embedding(20, 6), Dense(6), LayerNorm(), LSTM(5), Dense(4));
const idsSignature = shapeDtype([2, 3], 'int32');
const ids = () =>
  tf.tensor2d(
    [
      [1, 5, 19],
      [0, 7, 7],
    ],
    [2, 3],
    'int32',
  );

/** Every weight by path, as exact float32 bits. */
function weightBits(seed: number): Map<string, number[]> {
  const layer = model();
  const { weights } = layer.init(idsSignature, { seed });
  return new Map(
    flattenTree(weights).map(([path, t]) => [path, Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))]),
  );
}

describeOnBackends('determinism', () => {
  test('the same seed gives bit-identical weights (Embedding, Dense, LayerNorm, LSTM)', () => {
    const a = weightBits(7);
    const b = weightBits(7);
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect([...a.keys()]).toContain('3/1/0/w');
    for (const [path, bits] of a) expect(b.get(path)).toEqual(bits);
  });

  test('another seed gives different random weights (LayerNorm starts at ones and zeros either way)', () => {
    const a = weightBits(7);
    const b = weightBits(8);
    for (const [path, bits] of a) {
      if (path.startsWith('2/')) expect(b.get(path)).toEqual(bits);
      else expect(b.get(path)).not.toEqual(bits);
    }
  });
});

describe('determinism across backends', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('weights are bit-identical on cpu and wasm, and the forward pass agrees within 1e-5', async () => {
    const results: Array<{ bits: Map<string, number[]>; output: Float32Array }> = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const layer = model();
      layer.init(idsSignature, { seed: 3 });
      const output = tf.tidy(() => (layer.pureFn(ids(), layer.weights, layer.state, makeKey(1))[0] as Tensor).dataSync() as Float32Array);
      results.push({ bits: weightBits(3), output });
    }
    const [cpu, wasm] = results as [(typeof results)[0], (typeof results)[0]];
    for (const [path, bits] of cpu.bits) expect(wasm.bits.get(path)).toEqual(bits);
    expect(cpu.output.length).toBe(2 * 3 * 4);
    cpu.output.forEach((v, i) => expect(Math.abs(v - wasm.output[i]!)).toBeLessThanOrEqual(1e-5));
  });
});
