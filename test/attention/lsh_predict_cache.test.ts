import { tf } from '../../src/backend/tf.js';
import { LSHSelfAttention } from '../../src/attention/index.js';
import type { Layer } from '../../src/core/base.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { State, Tensor } from '../../src/core/types.js';
import { makeKey } from '../../src/rng/key.js';
import { describeOnBackends } from '../helpers/backends.js';
import { randn } from '../layers/layer_checks.js';

const B = 2;
const L = 12;
const D = 8;

function predictLayer(make: () => Layer): Layer {
  const layer = make();
  layer.mode = 'predict';
  layer.init(shapeDtype([B, L, D]), { seed: 3 });
  return layer;
}

/** Feeds `x` (`[B, n, D]`) one position at a time from `state`; the outputs and the final state. */
function feed(layer: Layer, state: State, x: Tensor): { y: Tensor; state: State } {
  const outs: Tensor[] = [];
  for (let i = 0; i < x.shape[1]!; i++) {
    const [y, next] = layer.pureFn(tf.slice(x, [0, i, 0], [B, 1, D]), layer.weights, state, makeKey(7));
    outs.push(y as Tensor);
    state = next;
  }
  return { y: tf.concat(outs, 1), state };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
}

const layers: [string, () => Layer][] = [
  [
    'default nBuckets (the count changes with the length)',
    () => LSHSelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, chunkLen: 2, nHashes: 2 }),
  ],
  ['nBuckets 4', () => LSHSelfAttention({ nHeads: 2, dQk: 4, dV: 3, causal: true, chunkLen: 2, nBuckets: 4, nHashes: 2 })],
];

describeOnBackends('LSH predict mode, host bucket cache', () => {
  test.each(layers)('%s: decoding one state twice (branches) gives what a fresh decode of each branch gives', (_, make) => {
    tf.tidy(() => {
      const prefix = randn([B, 5, D], 1);
      const branchA = randn([B, 4, D], 2);
      const branchB = randn([B, 4, D], 3);
      const layer = predictLayer(make);
      const shared = feed(layer, layer.state, prefix).state;
      const a = feed(layer, shared, branchA); // appends to the host buckets in place
      const b = feed(layer, shared, branchB); // the same state again: must not see branch A's buckets
      const more = randn([B, 2, D], 4);
      const a2 = feed(layer, a.state, more); // branch A continued after branch B was decoded
      const fresh = (x: Tensor): Tensor => {
        const other = predictLayer(make);
        return feed(other, other.state, x).y;
      };
      const tail = (y: Tensor, n: number): Tensor => tf.slice(y, [0, y.shape[1]! - n, 0], [B, n, D]);
      expect(maxAbsDiff(a.y, tail(fresh(tf.concat([prefix, branchA], 1)), 4))).toBeLessThan(1e-5);
      expect(maxAbsDiff(b.y, tail(fresh(tf.concat([prefix, branchB], 1)), 4))).toBeLessThan(1e-5);
      expect(maxAbsDiff(a2.y, tail(fresh(tf.concat([prefix, branchA, more], 1)), 2))).toBeLessThan(1e-5);
      // The branches differ (so the comparisons above can fail).
      expect(maxAbsDiff(a.y, b.y)).toBeGreaterThan(1e-3);
    });
  });
});
