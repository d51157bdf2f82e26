import { Layer, type SharedInits } from '../core/base.js';
import { type Key, splitKey } from '../rng/key.js';
import { fromList, toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Weights } from '../core/types.js';
import { SerialLayer } from './serial.js';
import { atSublayer, flattenLayers, type LayerLike, subtree } from './sublayer_call.js';

/**
 * Applies layers side by side to consecutive spans of the stack: with `F` (1 in), `G` (3 in) and `H` (2 in, 2
 * out), `Parallel(F, G, H)` maps `a, b, c, d, e, f` to `F(a), G(b, c, d), h1, h2`. `null` is a one-item no-op.
 * @public
 */
export class ParallelLayer extends Layer {
  constructor(layers: readonly Layer[], name = 'Parallel') {
    if (layers.length < 2) throw new Error(`Parallel: needs at least two layers, got ${layers.length} (one layer alone needs no Parallel)`);
    for (const layer of layers) {
      if (layer.nIn === 0) throw new Error(`Parallel: sublayer ${layer.name} takes no inputs, which Parallel cannot place`);
    }
    super({
      nIn: layers.reduce((n, l) => n + l.nIn, 0),
      nOut: layers.reduce((n, l) => n + l.nOut, 0),
      name,
      sublayers: layers,
    });
  }

  private allot<T>(items: readonly T[]): Array<T | T[]> {
    let start = 0;
    return this.sublayers.map((layer) => {
      const span = items.slice(start, start + layer.nIn);
      start += layer.nIn;
      return layer.nIn === 1 ? span[0]! : span;
    });
  }

  /**
   * Initialises each sublayer on its span of the input signature, each with its own key, and joins their output
   * signatures in order.
   */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const weights: Weights = {};
    const state: State = {};
    const outputs: ShapeDtype[] = [];
    const keys = splitKey(rng, this.sublayers.length);
    const spans = this.allot(signature);
    this.sublayers.forEach((layer, i) => {
      const made = atSublayer(i, () => layer.initialize(spans[i]!, keys[i]!, shared));
      weights[i] = made.weights;
      state[i] = made.state;
      outputs.push(...toList<ShapeDtype>(made.outputSignature, layer.nOut, 'output'));
    });
    return { weights, state, outputSignature: fromList(outputs) };
  }

  /** Runs each sublayer on its span of the inputs (with its own key) and joins their outputs in order. */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const spans = this.allot(toList(inputs, this.nIn, 'input'));
    const keys = splitKey(rng, this.sublayers.length);
    const outputs = [];
    const newState: State = {};
    for (const [i, layer] of this.sublayers.entries()) {
      const [out, s] = atSublayer(i, () =>
        layer.pureFn(spans[i]!, subtree(weights, i, this, 'weights'), subtree(state, i, this, 'state'), keys[i]!),
      );
      outputs.push(...toList(out, layer.nOut, 'output'));
      newState[i] = s;
    }
    return [fromList(outputs), newState];
  }
}

/**
 * Applies layers in parallel to consecutive spans of the stack; `null` passes one item through. Takes at least
 * two layers (as Trax).
 * @public
 */
export function Parallel(...layers: Array<LayerLike | null>): ParallelLayer {
  return new ParallelLayer(
    layers.map((l) => (l === null ? new SerialLayer([]) : Array.isArray(l) ? new SerialLayer(flattenLayers(l)) : (l as Layer))),
  );
}
