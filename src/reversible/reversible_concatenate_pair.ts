import { tf } from '../backend/tf.js';
import { fromList, toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';

function pairShape(x: readonly number[], y: readonly number[], who: string): number[] {
  const same = x.length === y.length && x.every((d, i) => d === y[i]);
  if (!same || x.length === 0) {
    throw new Error(`${who}: needs two items of one shape (of rank >= 1) to split them back, got [${x.join(',')}] and [${y.join(',')}]`);
  }
  return [...x.slice(0, -1), 2 * x[x.length - 1]!];
}

/**
 * `x, y -> [x|y], [x|y]`: the two items concatenated on the last axis, twice (Trax's `ReversibleConcatenatePair`).
 * Its reverse splits the first copy in halves. Reformer-style decoders use it to join the two streams of a
 * reversible stack into one, on both streams. `x` and `y` must have the same shape (Trax does not check, and its
 * reverse then splits at the wrong place).
 * @public
 */
export class ReversibleConcatenatePairLayer extends ReversibleLayer {
  constructor() {
    super({ nIn: 2, nOut: 2, name: 'ReversibleConcatenatePair' });
  }

  /** Two items, each of the pair's shape with the last axis summed, of the first input's dtype. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const [x, y] = signature as [ShapeDtype, ShapeDtype];
    const shape = pairShape(x.shape, y.shape, this.name);
    return [
      { shape, dtype: x.dtype },
      { shape, dtype: x.dtype },
    ];
  }

  /** The two inputs concatenated on the last axis, given twice. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const [x, y] = toList(inputs, 2, 'input');
    pairShape(x!.shape, y!.shape, this.name);
    const r = tf.concat([x!, y!], -1);
    return [[r, r], state];
  }

  /** The two inputs: the first output split in half on the last axis (the second output is the same tensor). */
  reverse(output: Stack, _weights: Weights, _state: State, _rng: Key): Stack {
    const [pair] = toList(output, 2, 'output');
    return this.withContext(output, () => tf.split(pair!, 2, -1));
  }

  /** The reconstructed inputs and their cotangents: the two outputs' cotangents summed, split like the concatenation. */
  override reverseAndGrad(output: Stack, ct: Stack, weights: Weights, state: State, rng: Key): ReverseAndGradResult {
    const [c1, c2] = toList(ct, 2, 'cotangent');
    // Both outputs are the concatenation: its cotangent is their sum, split like the concatenation.
    return [this.reverse(output, weights, state, rng), fromList(tf.split(tf.add(c1!, c2!), 2, -1)), {}];
  }
}

/** Concatenates the top two items on the last axis and gives the result twice, reversibly. @public */
export function ReversibleConcatenatePair(): ReversibleConcatenatePairLayer {
  return new ReversibleConcatenatePairLayer();
}
