import { tf } from '../../src/backend/tf.js';
import { Bidirectional } from '../../src/combinators/bidirectional.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { LSTM } from '../../src/rnn/recurrent.js';
import { shapeDtype } from '../../src/core/stack.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';

const cumulativeSumAxis1 = () => Fn('CumSum', (x) => tf.cumsum(x, 1), 1, { outputSignature: (s) => s });

describeOnBackends('Bidirectional', () => {
  test('concatenates the forward pass with the flipped backward pass', () => {
    const layer = Bidirectional(cumulativeSumAxis1());
    // Forward cumsum of [1, 2, 3] is [1, 3, 6]; backward (from the end) is [6, 5, 3].
    const y = layer.call(tf.tensor3d([[[1], [2], [3]]])) as Tensor;
    expectClose(
      y,
      tf.tensor3d([
        [
          [1, 6],
          [3, 5],
          [6, 3],
        ],
      ]),
    );
  });

  test('Bidirectional(LSTM(4)) maps [B, L, D] to [B, L, 8]; the backward copy has its own weights', () => {
    const layer = Bidirectional(LSTM(4));
    expect(expectSignatureMatchesOutput(layer, randn([2, 3, 5], 1), 3)).toEqual(shapeDtype([2, 3, 8]));
    const leaves = treeLeaves(layer.weights);
    expect(leaves).toHaveLength(4);
    const named = [...namedTensors(layer).keys()];
    expect(named.filter((p) => p.endsWith('LSTMCell_4/w'))).toHaveLength(2);
    const [forwardW, backwardW] = leaves.filter((t) => t.shape.join() === '9,16') as [Tensor, Tensor];
    expect(forwardW).not.toBe(backwardW);
    expect(Array.from(forwardW.dataSync())).not.toEqual(Array.from(backwardW.dataSync()));
  });

  test("gradients match finite differences (input and both directions' weights)", () => {
    const layer = Bidirectional(Dense(2));
    layer.init(shapeDtype([2, 3, 2]), { seed: 2 });
    expectLayerGradientsMatch(layer, randn([2, 3, 2], 3));
  });

  test('a layer used twice inside the forward layer is still shared inside its backward copy', () => {
    const dense = Dense(3);
    const layer = Bidirectional(Serial(dense, dense));
    layer.init(shapeDtype([1, 2, 3]));
    // Forward: one Dense shared (2 tensors); backward copy: its own Dense, shared too (2 tensors).
    expect(treeLeaves(layer.weights)).toHaveLength(4);
  });

  test('an input the sequence layer cannot take is a LayerError naming Bidirectional', () => {
    const layer = Bidirectional(LSTM(2));
    let caught: unknown;
    try {
      layer.init(shapeDtype([2, 3]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LayerError);
    expect((caught as LayerError).path[0]).toBe('Bidirectional');
    expect((caught as LayerError).message).toMatch(/LSTM_2/);
  });
});
