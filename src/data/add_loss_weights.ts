import { type Example, filled, type NDArray } from './ndarray.js';
import { requireInput, type Stream, type StreamFn } from './stream.js';

/**
 * Adds loss weights to a stream of `(inputs, targets)` items, giving `(inputs, targets, weights)`: float32 ones
 * shaped like the targets, zero where the target equals `idToMask` (padding, 0 by default). An item that
 * already has weights keeps them, multiplied by the mask. Pass `null` to mask nothing.
 *
 * Loss and metric layers divide by the sum of the weights, so masked (padding) positions never count.
 * @public
 */
export function AddLossWeights(idToMask: number | null = 0): StreamFn<Example, NDArray[]> {
  return (input?: Stream<Example>) => {
    const source = requireInput(input, 'AddLossWeights');
    return (async function* (): AsyncGenerator<NDArray[]> {
      for await (const example of source) {
        if (example.length < 2 || example.length > 3) {
          throw new RangeError(`data.AddLossWeights: expected (inputs, targets) or (inputs, targets, weights), got ${example.length} arrays`);
        }
        const [inputs, targets] = example as [NDArray, NDArray];
        const given = example[2];
        if (given && given.shape.join(',') !== targets.shape.join(',')) {
          throw new RangeError(`data.AddLossWeights: weights [${given.shape.join(',')}] do not match targets [${targets.shape.join(',')}]`);
        }
        const weights = filled(targets.shape, 1, 'float32');
        const w = weights.data;
        for (let i = 0; i < w.length; i++) {
          const base = given ? given.data[i]! : 1;
          w[i] = idToMask !== null && targets.data[i] === idToMask ? 0 : base;
        }
        yield [inputs, targets, weights];
      }
    })();
  };
}
