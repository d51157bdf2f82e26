import { tf } from '../../src/backend/tf.js';
import type { Layer } from '../../src/core/base.js';
import { Ones, Zeros } from '../../src/layers/initializers.js';
import { LayerError } from '../../src/core/layer_error.js';
import { Branch } from '../../src/combinators/branch.js';
import { Scan } from '../../src/combinators/scan.js';
import { Select } from '../../src/combinators/select.js';
import { namedSerial } from '../../src/combinators/serial.js';
import { GRUCell, LSTMCell } from '../../src/rnn/cells.js';
import { GRU, LSTM, MakeZeroState } from '../../src/rnn/recurrent.js';
import { shapeDtype } from '../../src/core/stack.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import { mapTree } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, flat, randn } from '../layers/layer_checks.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** The cell inside LSTM(n) / GRU(n): Serial[Branch, Scan[cell], Select]. */
const cellOf = (rnn: Layer) => rnn.sublayers[1]!.sublayers[0]!;

/** LSTM(n) as the plain composition of its sublayers, run step by step in tfjs ops: the fused layer's reference. */
const stepByStepLSTM = (n: number): Layer =>
  namedSerial(`LSTM_${n}`, [Branch(null, MakeZeroState(2 * n)), Scan(LSTMCell(n), { axis: 1, nCarry: 1 }), Select([0], 2)], []);

/** The outputs and the gradients (input, kernel, bias) of `sum(layer(x) · dy)` with the given weights tree. */
function valueAndGradients(layer: Layer, x: Tensor, dy: Tensor): Tensor[] {
  const w = cellOf(layer).weights['w'] as Tensor;
  const b = cellOf(layer).weights['b'] as Tensor;
  const f = (xs: Tensor, ws: Tensor, bs: Tensor): Tensor => {
    const weights = mapTree(layer.weights, (t) => (t === w ? ws : t === b ? bs : t));
    return tf.sum(tf.mul(layer.pureFn(xs, weights, layer.state, makeKey(0))[0] as Tensor, dy));
  };
  return [layer.call(x) as Tensor, ...tf.grads(f)([x, w, b])];
}

describeOnBackends('LSTMCell', () => {
  test('weights w [dIn + n, 4n] and b [4n], the forget bias on the forget gate only; output signature matches', () => {
    const cell = LSTMCell(3);
    expect([cell.nIn, cell.nOut, cell.name]).toEqual([2, 2, 'LSTMCell_3']);
    const inputs = [randn([2, 4], 1), tf.zeros([2, 6])];
    expect(expectSignatureMatchesOutput(cell, inputs)).toEqual([shapeDtype([2, 3]), shapeDtype([2, 6])]);
    expect((cell.weights['w'] as Tensor).shape).toEqual([7, 12]);
    const b = flat(cell.weights['b'] as Tensor).map((v) => Math.round(v) + 0);
    expect(b).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
  });

  test('hand-computed step: x = 1, zero state, w all ones, b zeros', () => {
    // [x | h] = [1, 0], so every gate pre-activation is 1: i = j = f = o = 1.
    // c' = 0·σ(1) + σ(1)·tanh(1) = 0.7310586 · 0.7615942 = 0.5567699
    // h' = tanh(c')·σ(1) = 0.5055769 · 0.7310586 = 0.3696064
    const cell = LSTMCell(1, { kernelInitializer: Ones(), biasInitializer: Zeros(), forgetBias: 0 });
    cell.init([shapeDtype([1, 1]), shapeDtype([1, 2])]);
    const [h, state] = cell.call([tf.tensor2d([[1]]), tf.zeros([1, 2])]) as Tensor[];
    const c1 = sigmoid(1) * Math.tanh(1);
    const h1 = Math.tanh(c1) * sigmoid(1);
    expect(c1).toBeCloseTo(0.5567699, 6);
    expect(h1).toBeCloseTo(0.3696064, 6);
    expectClose(h!, [[h1]], 1e-6);
    expectClose(state!, [[c1, h1]], 1e-6);
  });

  test('gradients match finite differences (x, state, w, b)', () => {
    const cell = LSTMCell(2);
    cell.init([shapeDtype([2, 3]), shapeDtype([2, 4])], { seed: 5 });
    expectLayerGradientsMatch(cell, [randn([2, 3], 2), randn([2, 4], 3, 0.5)]);
  });

  test('a state of the wrong width is a LayerError naming the cell', () => {
    expect(() => LSTMCell(3).init([shapeDtype([2, 4]), shapeDtype([2, 3])])).toThrow(LayerError);
    expect(() => LSTMCell(3).init([shapeDtype([2, 4]), shapeDtype([2, 3])])).toThrow(/LSTMCell_3: the state must have shape \[2,6\]/);
  });
});

describeOnBackends('LSTM', () => {
  test('maps [B, L, D] to [B, L, n] (D need not equal n); weights live at LSTM_n/1/Scan/0/LSTMCell_n', () => {
    const lstm = LSTM(5);
    expect(lstm.name).toBe('LSTM_5');
    expect(lstm.toString()).toBe('LSTM_5');
    expect(expectSignatureMatchesOutput(lstm, randn([2, 3, 4], 1))).toEqual(shapeDtype([2, 3, 5]));
    expect([...namedTensors(lstm).keys()]).toEqual(['LSTM_5/1/Scan/0/LSTMCell_5/w', 'LSTM_5/1/Scan/0/LSTMCell_5/b']);
  });

  test('hand-computed two steps with all-ones kernel and zero bias', () => {
    // Step 1 as in the LSTMCell test: c1 = σ(1)·tanh(1), h1 = tanh(c1)·σ(1).
    // Step 2 (x = 1 again): every gate pre-activation is 1 + h1; c2 = c1·σ(1 + h1) + σ(1 + h1)·tanh(1 + h1),
    // h2 = tanh(c2)·σ(1 + h1).
    const lstm = LSTM(1);
    lstm.init(shapeDtype([1, 2, 1]));
    cellOf(lstm).weights = { w: tf.ones([2, 4]), b: tf.zeros([4]) };
    const c1 = sigmoid(1) * Math.tanh(1);
    const h1 = Math.tanh(c1) * sigmoid(1);
    const g = 1 + h1;
    const c2 = c1 * sigmoid(g) + sigmoid(g) * Math.tanh(g);
    const h2 = Math.tanh(c2) * sigmoid(g);
    expectClose(lstm.call(tf.ones([1, 2, 1])) as Tensor, tf.tensor3d([[[h1], [h2]]]), 1e-6);
  });

  test('gradients match finite differences (input sequence and cell weights)', () => {
    const lstm = LSTM(2);
    lstm.init(shapeDtype([2, 3, 3]), { seed: 2 });
    expectLayerGradientsMatch(lstm, randn([2, 3, 3], 4));
  });

  // 8 units: the SIMD kernels on wasm; 3 units: the loops.
  test.each([
    [8, 6],
    [3, 4],
  ])('with %i units (input depth %i) equals the step-by-step composition of its cell, values and gradients', (n, d) => {
    const fused = LSTM(n);
    const reference = stepByStepLSTM(n);
    fused.init(shapeDtype([3, 5, d]), { seed: 4 });
    reference.init(shapeDtype([3, 5, d]), { seed: 4 });
    expect([...namedTensors(reference).keys()]).toEqual([...namedTensors(fused).keys()]);
    const x = randn([3, 5, d], 8);
    const dy = randn([3, 5, n], 9);
    const got = valueAndGradients(fused, x, dy);
    const want = valueAndGradients(reference, x, dy);
    got.forEach((g, i) => expectClose(g, want[i]!, 1e-5));
  });

  test('runs its recurrence as one kernel in modes train and eval, and step by step in predict', async () => {
    const lstm = LSTM(4);
    lstm.init(shapeDtype([2, 3, 4]));
    const kernelsOf = async (): Promise<string[]> => (await tf.profile(() => lstm.call(randn([2, 3, 4], 1)))).kernelNames;
    for (const mode of ['train', 'eval'] as const) {
      lstm.mode = mode;
      expect(await kernelsOf()).toContain('TraxLstmForward');
    }
    lstm.mode = 'predict';
    const names = await kernelsOf();
    expect(names).not.toContain('TraxLstmForward');
    expect(names).toContain('Sigmoid');
  });

  test('hand-computed two steps with 4 units (the SIMD path on wasm), all-ones kernel and zero bias', () => {
    // Step 1 (x = 1, zero state): every gate pre-activation is 1, as with one unit. Step 2: each pre-activation
    // is x + the sum of the four outputs h1: 1 + 4 h1.
    const lstm = LSTM(4);
    lstm.init(shapeDtype([1, 2, 1]));
    cellOf(lstm).weights = { w: tf.ones([5, 16]), b: tf.zeros([16]) };
    const c1 = sigmoid(1) * Math.tanh(1);
    const h1 = Math.tanh(c1) * sigmoid(1);
    const g = 1 + 4 * h1;
    const c2 = c1 * sigmoid(g) + sigmoid(g) * Math.tanh(g);
    const h2 = Math.tanh(c2) * sigmoid(g);
    expectClose(lstm.call(tf.ones([1, 2, 1])) as Tensor, tf.tensor3d([[Array(4).fill(h1), Array(4).fill(h2)]]), 1e-6);
  });

  test('gradients match finite differences with 4 units (the SIMD path on wasm)', () => {
    const lstm = LSTM(4);
    lstm.init(shapeDtype([2, 4, 3]), { seed: 6 });
    expectLayerGradientsMatch(lstm, randn([2, 4, 3], 7));
  });

  test('a rank-2 input is a LayerError naming LSTM_4', () => {
    expect(() => LSTM(4).init(shapeDtype([2, 3]))).toThrow(/LSTM_4/);
  });
});

describeOnBackends('GRUCell and GRU', () => {
  test('cell weights and signatures; GRU maps [B, L, D] to [B, L, n]', () => {
    const cell = GRUCell(3);
    expect(cell.name).toBe('GRUCell_3');
    expect(expectSignatureMatchesOutput(cell, [randn([2, 4], 1), tf.zeros([2, 3])])).toEqual([shapeDtype([2, 3]), shapeDtype([2, 3])]);
    const shapes = Object.fromEntries(Object.entries(cell.weights).map(([k, v]) => [k, (v as Tensor).shape]));
    expect(shapes).toEqual({ wGates: [7, 6], bGates: [6], wCandidate: [7, 3], bCandidate: [3] });
    const gru = GRU(3);
    expect(gru.name).toBe('GRU_3');
    expect(expectSignatureMatchesOutput(gru, randn([2, 5, 4], 2))).toEqual(shapeDtype([2, 5, 3]));
    expect([...namedTensors(gru).keys()][0]).toBe('GRU_3/1/Scan/0/GRUCell_3/wGates');
  });

  test('hand-computed step: x = 1, h = 0, kernels all ones, biases zero', () => {
    // u = r = σ([1, 0]·[1, 1]) = σ(1); candidate c = tanh([1, r·0]·[1, 1]) = tanh(1);
    // h' = u·0 + (1 - u)·c = (1 - 0.7310586) · 0.7615942 = 0.2048242
    const cell = GRUCell(1, { kernelInitializer: Ones(), biasInitializer: Zeros() });
    cell.init([shapeDtype([1, 1]), shapeDtype([1, 1])]);
    const [h, carry] = cell.call([tf.tensor2d([[1]]), tf.zeros([1, 1])]) as Tensor[];
    const expected = (1 - sigmoid(1)) * Math.tanh(1);
    expect(expected).toBeCloseTo(0.2048242, 6);
    expectClose(h!, [[expected]], 1e-6);
    expectClose(carry!, [[expected]], 1e-6);
  });

  test('gradients match finite differences (cell: x, h, weights; GRU: sequence, weights)', () => {
    const cell = GRUCell(2, { kernelInitializer: (key, shape) => randn(shape, key[1] + 40, 0.7) });
    cell.init([shapeDtype([2, 3]), shapeDtype([2, 2])]);
    expectLayerGradientsMatch(cell, [randn([2, 3], 2), randn([2, 2], 3, 0.5)]);
    const gru = GRU(2);
    gru.init(shapeDtype([2, 3, 2]), { seed: 1 });
    cellOf(gru).weights = { wGates: randn([4, 4], 5), bGates: randn([4], 6), wCandidate: randn([4, 2], 7), bCandidate: randn([2], 8) };
    expectLayerGradientsMatch(gru, randn([2, 3, 2], 9));
  });
});
