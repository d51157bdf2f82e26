import { Layer, type SharedInits } from '../core/base.js';
import { fromList } from '../core/stack.js';
import { toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Weights } from '../core/types.js';
import { type Key, splitKey } from '../rng/key.js';
import { SerialLayer } from './serial.js';
import { atSublayer } from './sublayer_call.js';

/**
 * Chooses a branch by a computed condition: `cond` takes the top `cond.nIn` items and gives a scalar; when it is
 * non-zero `ifTrue` runs on the next items, otherwise `ifFalse` (default: identity). Both branches have the same
 * arity. The condition is read on the host, so no gradient flows through it.
 * @public
 */
export class CondLayer extends Layer {
  constructor(cond: Layer, ifTrue: Layer, ifFalse: Layer) {
    if (cond.nOut !== 1) throw new Error(`Cond: the condition layer must give one item, ${cond.name} gives ${cond.nOut}`);
    if (ifTrue.nIn !== ifFalse.nIn || ifTrue.nOut !== ifFalse.nOut) {
      throw new Error(
        `Cond: branches differ in arity: ${ifTrue.name} is ${ifTrue.nIn} -> ${ifTrue.nOut}, ${ifFalse.name} is ${ifFalse.nIn} -> ${ifFalse.nOut}`,
      );
    }
    super({ nIn: cond.nIn + ifTrue.nIn, nOut: ifTrue.nOut, name: 'Cond', sublayers: [cond, ifTrue, ifFalse] });
  }

  /**
   * Initialises the condition and both branches (each with its own key); the branches must give the same signature.
   */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const [cond, ifTrue, ifFalse] = this.sublayers as [Layer, Layer, Layer];
    const keys = splitKey(rng, 3);
    const condSig = signature.slice(0, cond.nIn);
    const branchSig = fromList(signature.slice(cond.nIn));
    const c = atSublayer(0, () => cond.initialize(fromList(condSig), keys[0]!, shared));
    const t = atSublayer(1, () => ifTrue.initialize(branchSig, keys[1]!, shared));
    const f = atSublayer(2, () => ifFalse.initialize(branchSig, keys[2]!, shared));
    const same = JSON.stringify(t.outputSignature) === JSON.stringify(f.outputSignature);
    if (!same)
      throw new Error(
        `Cond: branches give different signatures ${JSON.stringify(t.outputSignature)} and ${JSON.stringify(f.outputSignature)}`,
      );
    return {
      weights: { 0: c.weights, 1: t.weights, 2: f.weights },
      state: { 0: c.state, 1: t.state, 2: f.state },
      outputSignature: t.outputSignature,
    };
  }

  /**
   * Runs the condition, reads its value on the host, and runs `ifTrue` when it is non-zero, else `ifFalse`; the
   * branch not taken keeps its state.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const [cond, ifTrue, ifFalse] = this.sublayers as [Layer, Layer, Layer];
    const items = toList(inputs, this.nIn, 'input');
    const keys = splitKey(rng, 3);
    const [flag, condState] = atSublayer(0, () =>
      cond.pureFn(fromList(items.slice(0, cond.nIn)), weights[0] as Weights, state[0] as State, keys[0]!),
    );
    const value = (flag as import('../core/types.js').Tensor).dataSync()[0];
    const branchInputs = fromList(items.slice(cond.nIn));
    const chosen = value ? 1 : 2;
    const layer = value ? ifTrue : ifFalse;
    const [out, branchState] = atSublayer(chosen, () =>
      layer.pureFn(branchInputs, weights[chosen] as Weights, state[chosen] as State, keys[chosen]!),
    );
    const newState: State = { 0: condState, 1: state[1] as State, 2: state[2] as State };
    newState[chosen] = branchState;
    return [out, newState];
  }
}

/** Runs `ifTrue` or `ifFalse` (identity by default) depending on `cond`. @public */
export function Cond(cond: Layer, ifTrue: Layer, ifFalse?: Layer): CondLayer {
  return new CondLayer(cond, ifTrue, ifFalse ?? new SerialLayer([]));
}
