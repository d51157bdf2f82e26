/**
 * Trax's reversible-layer tests (trax/layers/reversible_test.py at google/trax 7c189c2c), one test per Trax test,
 * and the Trax behaviours of ReversibleSelect's name and ReversibleHalfResidual's attention_layer.
 */
import { tf } from '../../src/backend/tf.js';
import { Fn } from '../../src/core/fn.js';
import { ReversibleHalfResidual, ReversibleSelect, ReversibleSwap } from '../../src/reversible/index.js';
import { describeOnBackends } from '../helpers/backends.js';
import { asList } from './helpers.js';

describeOnBackends('conformance: reversible_test.py', () => {
  describe('ReversibleLayerTest', () => {
    // trax/layers/reversible_test.py::ReversibleLayerTest::test_reversible_swap
    test('test_reversible_swap', () => {
      const ys = ReversibleSwap().call([tf.tensor1d([1, 2]), tf.tensor1d([10, 20])]);
      expect(asList(ys)).toEqual([
        [10, 20],
        [1, 2],
      ]);
    });

    // trax/layers/reversible.py::ReversibleSelect names itself f'ReversibleSelect{indices}' without spaces.
    test("ReversibleSelect's name carries its indices, as in Trax", () => {
      expect(String(ReversibleSelect([1, 0]))).toBe('ReversibleSelect[1,0]_in2_out2');
      expect(String(ReversibleSwap())).toBe('ReversibleSwap_in2_out2');
    });

    // trax/layers/reversible.py::ReversibleHalfResidual(*residual_layers, attention_layer=None): attentionLayer.
    test('ReversibleHalfResidual takes the attention layer as attentionLayer; the old name is refused', () => {
      const scale = Fn('Scale', (x, mask) => [tf.mul(x, mask), mask], 2);
      const layer = ReversibleHalfResidual(
        Fn('AddOne', (x) => tf.add(x, 1)),
        { attentionLayer: scale },
      );
      const ys = layer.call([tf.tensor1d([10, 20]), tf.tensor1d([1, 2]), tf.tensor1d([3, 0])]);
      // x1 + Scale(AddOne(x2), mask) = [10 + 2 * 3, 20 + 3 * 0]
      expect(asList(ys)).toEqual([
        [16, 20],
        [1, 2],
        [3, 0],
      ]);
      expect(() =>
        ReversibleHalfResidual(
          Fn('AddOne', (x) => tf.add(x, 1)),
          { attention: scale } as never,
        ),
      ).toThrow(/unknown option 'attention'/);
    });
  });
});
