import { Layer, type SharedInits } from '../core/base.js';
import { type Key, splitKey } from '../rng/key.js';
import { fromList, toList, toStackList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Weights } from '../core/types.js';
import { atSublayer, flattenLayers, type LayerLike, subtree } from './sublayer_call.js';

/**
 * Function composition with stack semantics: each sublayer takes its `nIn` items off the top of the stack and
 * pushes its `nOut` outputs back; items below a sublayer's inputs pass through untouched.
 * @public
 */
export class SerialLayer extends Layer {
  constructor(layers: readonly Layer[], name = 'Serial', sublayersToPrint?: readonly Layer[]) {
    const [nIn, nOut] = layers.length === 0 ? [1, 1] : serialArity(layers);
    super({ nIn, nOut, name, sublayers: layers, sublayersToPrint });
  }

  /** Items below the sublayers' inputs pass through, at the top level too (Trax's stack semantics). */
  protected override get passesExtraInputs(): boolean {
    return true;
  }

  /** Initialises the sublayers in order, each on the signatures on top of the stack as the previous ones leave it. */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const { weights, state, stack } = initInSequence(this.sublayers, signature, rng, shared);
    return { weights, state, outputSignature: fromList(stack) };
  }

  /** Runs the sublayers in order on the stack, each with its own key. */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    if (this.sublayers.length === 0) return [inputs, state];
    let stack = toStackList(inputs, this.nIn, 'input');
    const keys = splitKey(rng, this.sublayers.length);
    const newState: State = {};
    this.sublayers.forEach((layer, i) => {
      const inputs = layer.nIn === 1 ? stack[0]! : stack.slice(0, layer.nIn);
      const [outputs, s] = atSublayer(i, () =>
        layer.pureFn(inputs, subtree(weights, i, this, 'weights'), subtree(state, i, this, 'state'), keys[i]!),
      );
      stack = [...toList(outputs, layer.nOut, 'output'), ...stack.slice(layer.nIn)];
      newState[i] = s;
    });
    return [fromList(stack), newState];
  }
}

/**
 * Initialises `layers` one after another with stack semantics, threading signatures from `signature`: each layer's
 * weights and state under its index, and the stack of signatures left at the end. What `Serial` and the reversible
 * stacks share.
 * @public
 */
export function initInSequence(
  layers: readonly Layer[],
  signature: readonly ShapeDtype[],
  rng: Key,
  shared: SharedInits,
): { weights: Weights; state: State; stack: ShapeDtype[] } {
  const weights: Weights = {};
  const state: State = {};
  let stack: ShapeDtype[] = [...signature];
  const keys = splitKey(rng, layers.length);
  layers.forEach((layer, i) => {
    const inputs = layer.nIn === 1 ? stack[0]! : stack.slice(0, layer.nIn);
    const made = atSublayer(i, () => layer.initialize(inputs, keys[i]!, shared));
    weights[i] = made.weights;
    state[i] = made.state;
    stack = [...toList<ShapeDtype>(made.outputSignature, layer.nOut, 'output'), ...stack.slice(layer.nIn)];
  });
  return { weights, state, stack };
}

/**
 * Trax's arity rule: `nIn` is the running maximum of items needed, `nOut` what is left on top of it.
 * @public
 */
export function serialArity(layers: readonly Layer[]): [number, number] {
  let runningMax = 0;
  let runningTotal = 0;
  for (const layer of layers) {
    runningTotal += layer.nIn;
    runningMax = Math.max(runningMax, runningTotal);
    runningTotal -= layer.nOut;
  }
  return [runningMax, runningMax - runningTotal];
}

/**
 * Composes layers with stack semantics. `Serial()` with no layers, `Serial([])` and `Serial(null)` are one-item
 * no-ops; nested arrays are flattened. Called with more items than it takes, a `Serial` passes the rest through:
 * `Serial(Add())` maps `a, b, c` to `a + b, c`.
 *
 * @example
 * ```ts
 * const double = Serial(Dup(), Add());   // x -> x + x
 * ```
 * @public
 */
export function Serial(...layers: Array<LayerLike | null>): SerialLayer {
  if (layers.length === 1 && layers[0] === null) return new SerialLayer([]);
  return new SerialLayer(flattenLayers(layers as LayerLike[], 'Serial'));
}

/**
 * `Serial` with a chosen name, and optionally other sublayers to print: how Trax builds named composites.
 * @public
 */
export function namedSerial(name: string, layers: readonly LayerLike[], sublayersToPrint?: readonly Layer[]): SerialLayer {
  return new SerialLayer(flattenLayers(layers), name, sublayersToPrint);
}
