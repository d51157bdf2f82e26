import { tf } from '../backend/tf.js';
import { Layer, type SharedInits } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Tensor, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { atSublayer, subtree } from './sublayer_call.js';

/** The state key of cached output `i`. */
const cachedKey = (i: number): string => `cached${i}`;

/**
 * Runs a layer once and then replays its outputs (Trax's `Cache`): the first call after `init` runs the sublayer
 * and keeps its outputs in the state; every later call returns those outputs without running it, whatever its
 * inputs. What decoding uses to encode a source sentence once (`predict` mode): the encoder's output is kept
 * while the decoder runs token by token. `init` (which makes state anew) empties the cache.
 *
 * Weights: the sublayer's, under `0`. State: the sublayer's under `0`, and, once filled, the outputs under
 * `cached0`, `cached1`, ... The outputs returned and the ones kept are separate tensor handles (on the same
 * data), so disposing one does not empty the other.
 * @public
 */
export class CacheLayer extends Layer {
  constructor(layer: Layer) {
    if (layer.nOut === 0) throw new Error(`Cache: ${layer.name} gives no outputs, so there is nothing to cache`);
    super({ nIn: layer.nIn, nOut: layer.nOut, name: 'Cache', sublayers: [layer] });
  }

  /** The cached layer. */
  get sublayer(): Layer {
    return this.sublayers[0]!;
  }

  /** Whether `state` holds cached outputs. */
  isFilled(state: State = this.state): boolean {
    return state[cachedKey(0)] instanceof tf.Tensor;
  }

  /** Initialises the cached layer; the cache starts empty (its state is the layer's own). */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const made = atSublayer(0, () => this.sublayer.initialize(fromList(signature), rng, shared));
    return { weights: { 0: made.weights }, state: { 0: made.state }, outputSignature: made.outputSignature };
  }

  /** Copies of the cached outputs when the cache is filled; else runs the layer and fills the cache with its outputs. */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    if (this.isFilled(state)) {
      const outputs = Array.from({ length: this.nOut }, (_, i) => {
        const t = state[cachedKey(i)];
        if (!(t instanceof tf.Tensor)) throw new Error(`${this.name}: the cache holds no output ${i}`);
        return tf.clone(t);
      });
      return [fromList(outputs), state];
    }
    const [outputs, layerState] = atSublayer(0, () =>
      this.sublayer.pureFn(inputs, subtree(weights, 0, this, 'weights'), subtree(state, 0, this, 'state'), rng),
    );
    const newState: State = { 0: layerState };
    toList(outputs, this.nOut, 'output').forEach((t: Tensor, i) => (newState[cachedKey(i)] = tf.clone(t)));
    return [outputs, newState];
  }
}

/**
 * Caches `layer`'s outputs from its first call (see {@link CacheLayer}).
 *
 * @example
 * ```ts
 * const encoder = Cache(Serial(Embedding(100, 16), Dense(16)));   // runs once, then replays
 * ```
 * @public
 */
export function Cache(layer: Layer): CacheLayer {
  return new CacheLayer(layer);
}
