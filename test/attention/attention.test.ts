import { tf } from '../../src/backend/tf.js';
import { Attention, CausalAttention, PureAttention } from '../../src/attention/index.js';
import { PaddingMask } from '../../src/layers/core/index.js';
import type { Layer } from '../../src/core/base.js';
import { shapeDtype } from '../../src/core/stack.js';
import { mapTree } from '../../src/core/tensor_tree.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';
import { maxDiff } from './reference.js';

/** Sets every Dense of `layer` to the identity map (w = I, b = 0). */
function identityProjections(layer: Layer, d: number): void {
  layer.weights = mapTree(layer.weights, (t, path) => (path.endsWith('w') ? tf.eye(d) : tf.zerosLike(t)));
}

describeOnBackends('Attention', () => {
  test('(x, mask) -> (y, mask): the signature matches the output; names and weight paths follow Trax', () => {
    const layer = Attention(8, { nHeads: 2 });
    expect([layer.nIn, layer.nOut]).toEqual([2, 2]);
    const x = randn([2, 5, 8], 1);
    const mask = tf.tensor([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], [2, 1, 1, 5], 'bool');
    expect(expectSignatureMatchesOutput(layer, [x, mask])).toEqual([shapeDtype([2, 5, 8]), shapeDtype([2, 1, 1, 5], 'bool')]);
    const paths = [...namedTensors(layer).keys()];
    expect(paths).toContain('Attention_h2/1/AttentionQKV/0/Parallel/0/Dense_8/w');
    expect(paths).toContain('Attention_h2/1/AttentionQKV/2/Dense_8/b');
    expect(paths).toHaveLength(8);
  });

  test('hand-computed with identity projections on a 2-token example', () => {
    const layer = Attention(2, { nHeads: 1 });
    const x = tf.tensor([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    layer.init([shapeDtype([1, 2, 2]), shapeDtype([1, 1, 1, 2])]);
    identityProjections(layer, 2);
    const a = 1 / Math.sqrt(2);
    const p = Math.exp(a) / (Math.exp(a) + 1);
    const [y, maskOut] = layer.call([x, tf.ones([1, 1, 1, 2])]) as Tensor[];
    expectClose(
      y!,
      [
        [
          [p, 1 - p],
          [1 - p, p],
        ],
      ],
      1e-5,
    );
    expect(maskOut!.shape).toEqual([1, 1, 1, 2]);
    // Masking the second token: both positions see only the first.
    const [masked] = layer.call([x, tf.tensor([[[[1, 0]]]])]) as Tensor[];
    expectClose(
      masked!,
      [
        [
          [1, 0],
          [1, 0],
        ],
      ],
      1e-6,
    );
  });

  test('padded positions never receive attention: changing them leaves real outputs unchanged', () => {
    // The mask comes from PaddingMask on the ids, as in a Trax encoder.
    const ids = tf.tensor(
      [
        [3, 4, 5, 0, 0],
        [1, 2, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const mask = PaddingMask().call(ids) as Tensor;
    const x1 = randn([2, 5, 8], 2);
    const x2 = tf.where(tf.notEqual(ids, 0).expandDims(2), x1, randn([2, 5, 8], 3));
    const attention = Attention(8, { nHeads: 2 });
    attention.init([shapeDtype([2, 5, 8]), { shape: mask.shape, dtype: mask.dtype }]);
    const y1 = (attention.call([x1, mask]) as Tensor[])[0]!;
    const y2 = (attention.call([x2, mask]) as Tensor[])[0]!;
    const pick = (t: Tensor, b: number, n: number) => t.slice([b, 0, 0], [1, n, 8]);
    expect(maxDiff(pick(y1, 0, 3), pick(y2, 0, 3))).toBeLessThan(1e-5);
    expect(maxDiff(pick(y1, 1, 2), pick(y2, 1, 2))).toBeLessThan(1e-5);
    expect(maxDiff(y1, y2)).toBeGreaterThan(1e-3); // padded positions' own outputs do change
  });

  test('a [B, L] mask is read as [B, 1, 1, L]', () => {
    const layer = Attention(4, { nHeads: 2 });
    const x = randn([2, 3, 4], 4);
    const rows = tf.tensor([
      [1, 1, 0],
      [1, 0, 0],
    ]);
    layer.init([shapeDtype([2, 3, 4]), shapeDtype([2, 3])]);
    const a = (layer.call([x, rows]) as Tensor[])[0]!;
    const b = (layer.call([x, rows.reshape([2, 1, 1, 3])]) as Tensor[])[0]!;
    expect(maxDiff(a, b)).toBeLessThan(1e-6);
  });

  test('gradients match finite differences (inputs and all weights)', () => {
    const layer = Attention(4, { nHeads: 2 });
    const x = randn([1, 3, 4], 5);
    const mask = tf.tensor([[[[1, 1, 0]]]]);
    layer.init([shapeDtype([1, 3, 4]), shapeDtype([1, 1, 1, 3])]);
    expectLayerGradientsMatch(layer, [x, mask], { probes: 6 });
  });

  test('dropout acts in train mode only, drawn from the key', () => {
    const layer = Attention(4, { nHeads: 1, dropout: 0.5 });
    const x = randn([1, 6, 4], 6);
    const mask = tf.ones([1, 1, 1, 6]);
    layer.init([shapeDtype([1, 6, 4]), shapeDtype([1, 1, 1, 6])]);
    const run = (seed: number) => (layer.pureFn([x, mask], layer.weights, layer.state, [0, seed])[0] as Tensor[])[0]!;
    expect(maxDiff(run(1), run(1))).toBe(0);
    expect(maxDiff(run(1), run(2))).toBeGreaterThan(1e-4);
    layer.mode = 'eval';
    expect(maxDiff(run(1), run(2))).toBe(0);
  });

  test('PureAttention refuses a feature depth the heads do not divide, and bad masks', () => {
    const pure = PureAttention({ nHeads: 3 });
    expect(() => pure.init([shapeDtype([1, 2, 4]), shapeDtype([1, 2, 4]), shapeDtype([1, 2, 4]), shapeDtype([1, 1, 1, 2])])).toThrow(
      /feature depth \(4\) is not a multiple of the number of heads \(3\)/,
    );
    const ok = PureAttention({ nHeads: 2 });
    expect(() => ok.init([shapeDtype([1, 2, 4]), shapeDtype([1, 2, 4]), shapeDtype([1, 2, 4]), shapeDtype([1, 2, 2, 2])])).toThrow(
      /the mask must have shape/,
    );
  });
});

describeOnBackends('CausalAttention', () => {
  test('x -> y; the signature matches the output', () => {
    const layer = CausalAttention(8, { nHeads: 4 });
    expect([layer.nIn, layer.nOut]).toEqual([1, 1]);
    expect(expectSignatureMatchesOutput(layer, randn([2, 5, 8], 7))).toEqual(shapeDtype([2, 5, 8]));
    expect(layer.name).toBe('CausalAttention_h4');
  });

  test('hand-computed with identity projections: the first position sees only itself', () => {
    const layer = CausalAttention(2, { nHeads: 1 });
    layer.init(shapeDtype([1, 2, 2]));
    identityProjections(layer, 2);
    const y = layer.call(
      tf.tensor([
        [
          [1, 0],
          [0, 1],
        ],
      ]),
    ) as Tensor;
    const a = 1 / Math.sqrt(2);
    const p = Math.exp(a) / (Math.exp(a) + 1);
    expectClose(
      y,
      [
        [
          [1, 0],
          [1 - p, p],
        ],
      ],
      1e-5,
    );
  });

  test('outputs do not depend on later positions', () => {
    const layer = CausalAttention(6, { nHeads: 2 });
    const x1 = randn([1, 5, 6], 8);
    const x2 = tf.concat([x1.slice([0, 0, 0], [1, 3, 6]), randn([1, 2, 6], 9)], 1);
    layer.init(shapeDtype([1, 5, 6]));
    const y1 = layer.call(x1) as Tensor;
    const y2 = layer.call(x2) as Tensor;
    expect(maxDiff(y1.slice([0, 0, 0], [1, 3, 6]), y2.slice([0, 0, 0], [1, 3, 6]))).toBeLessThan(1e-5);
  });

  test('gradients match finite differences', () => {
    const layer = CausalAttention(4, { nHeads: 2 });
    layer.init(shapeDtype([1, 3, 4]));
    expectLayerGradientsMatch(layer, randn([1, 3, 4], 10), { probes: 6 });
  });
});

describe('attention configuration errors', () => {
  test('dFeature must be a multiple of nHeads; options are checked', () => {
    expect(() => Attention(10, { nHeads: 4 })).toThrow(/Attention: dFeature \(10\) is not a multiple of the number of heads \(4\)/);
    expect(() => CausalAttention(8, { nHeads: 0 })).toThrow(/nHeads must be a positive integer, got 0/);
    expect(() => Attention(8, { dropout: 1 })).toThrow(/dropout must be a rate in \[0, 1\)/);
    expect(() => Attention(8, { nHead: 2 } as never)).toThrow(/unknown option 'nHead'/);
  });
});
