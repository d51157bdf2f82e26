import { tf } from '../backend/tf.js';
import { Layer, type SharedInits } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Tensor, Weights } from '../core/types.js';
import { foldIn, type Key } from '../rng/key.js';
import { atSublayer } from './sublayer_call.js';

/**
 * Applies a layer step by step along an axis, threading a carry: the layer maps
 * `(x1..xN, carry1..carryM)` to `(y1..yK, newCarry1..newCarryM)`, and the scan maps whole sequences
 * `(xs1..xsN, carry)` to `(ys1..ysK, finalCarry)`. With a layer that adds its input to the carry, the scan of
 * `[1, 2, 3]` from 0 is `[1, 3, 6]` with carry 6. Step `t` uses the key `foldIn(rng, t)`.
 *
 * In mode `predict` (as Trax's `Scan`), the final carry is kept in the state (`{ 0: layer's state, carry: {...} }`)
 * and the next call starts from it instead of the carry it is given: a sequence fed in pieces gives what it gives
 * fed whole, which is how `LSTM`/`GRU` keep their hidden state between calls while decoding. The first call after
 * `init` uses the given carry.
 * @public
 */
export class ScanLayer extends Layer {
  constructor(
    layer: Layer,
    /** The axis the sequences are scanned along (negative: from the end). */
    readonly axis: number,
    /** How many of the layer's last inputs (and last outputs) are the carry. */
    readonly nCarry: number,
  ) {
    if (nCarry < 0 || nCarry > layer.nIn || nCarry > layer.nOut) {
      throw new RangeError(`Scan: nCarry ${nCarry} does not fit a layer with nIn ${layer.nIn} and nOut ${layer.nOut}`);
    }
    super({ nIn: layer.nIn, nOut: layer.nOut, name: 'Scan', sublayers: [layer] });
  }

  private axisOf(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) throw new RangeError(`Scan: axis ${this.axis} is out of range for rank ${rank}`);
    return a;
  }

  /**
   * Initialises the layer on one step's signature (the sequence inputs without `axis`, and the carry) and checks
   * that it gives the carry back unchanged in shape and dtype.
   */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const nXs = this.nIn - this.nCarry;
    const xs = signature.slice(0, nXs);
    if (xs.length === 0) throw new Error('Scan: the layer takes no sequence inputs besides its carry');
    const axis = this.axisOf(xs[0]!.shape.length);
    const length = xs[0]!.shape[axis]!;
    const stepSig = [...xs.map((s) => ({ shape: s.shape.filter((_, i) => i !== axis), dtype: s.dtype })), ...signature.slice(nXs)];
    const made = atSublayer(0, () => this.sublayers[0]!.initialize(fromList(stepSig), rng, shared));
    const outs = toList<ShapeDtype>(made.outputSignature, this.nOut, 'output');
    const nYs = this.nOut - this.nCarry;
    // The carry must keep its signature from step to step, or the next step would get other inputs.
    outs.slice(nYs).forEach((out, i) => {
      const carry = signature[nXs + i]!;
      if (out.dtype !== carry.dtype || out.shape.join(',') !== carry.shape.join(',')) {
        throw new Error(
          `Scan: the layer changes carry ${i} from ${carry.dtype}[${carry.shape.join(',')}] to ${out.dtype}[${out.shape.join(',')}]`,
        );
      }
    });
    const ys = outs.slice(0, nYs).map((s) => {
      const shape = [...s.shape];
      shape.splice(axis, 0, length);
      return { shape, dtype: s.dtype };
    });
    return { weights: { 0: made.weights }, state: { 0: made.state }, outputSignature: fromList([...ys, ...outs.slice(nYs)]) };
  }

  /**
   * Runs the layer at each position of `axis` in turn, threading the carry (the stored one in mode `predict`), and
   * stacks the step outputs along `axis`.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const layer = this.sublayers[0]!;
    const items = toList(inputs, this.nIn, 'input');
    const nXs = this.nIn - this.nCarry;
    const axis = this.axisOf(items[0]!.rank);
    const steps = items.slice(0, nXs).map((x) => tf.unstack(x, axis));
    const length = steps[0]!.length;
    const stored = this.mode === 'predict' && this.nCarry > 0 ? storedCarry(state, this.nCarry) : undefined;
    let carry = stored ?? items.slice(nXs);
    let s = state[0] as State;
    const ys: Tensor[][] = [];
    for (let t = 0; t < length; t++) {
      const stepIn = fromList([...steps.map((xs) => xs[t]!), ...carry]);
      const [out, newState] = atSublayer(0, () => layer.pureFn(stepIn, weights[0] as Weights, s, foldIn(rng, t)));
      s = newState;
      const outs = toList(out, this.nOut, 'output');
      ys.push(outs.slice(0, this.nOut - this.nCarry));
      carry = outs.slice(this.nOut - this.nCarry);
    }
    const nYs = this.nOut - this.nCarry;
    const stacked = Array.from({ length: nYs }, (_, k) =>
      tf.stack(
        ys.map((y) => y[k]!),
        axis,
      ),
    );
    const newState: State = { 0: s };
    if (this.mode === 'predict' && this.nCarry > 0) newState.carry = Object.fromEntries(carry.map((c, i) => [String(i), c.clone()]));
    return [fromList([...stacked, ...carry]), newState];
  }
}

/** The carry a predict-mode scan kept from its last call, or undefined before the first call. */
function storedCarry(state: State, nCarry: number): Tensor[] | undefined {
  const kept = state.carry;
  if (kept === undefined || kept instanceof tf.Tensor) return undefined;
  const carry = Array.from({ length: nCarry }, (_, i) => kept[String(i)]);
  if (!carry.every((c): c is Tensor => c instanceof tf.Tensor))
    throw new Error(`Scan: the kept carry in the state has not ${nCarry} items`);
  return carry;
}

/** Scans `layer` along `axis` with `nCarry` carried items. @public */
export function Scan(layer: Layer, options: { axis?: number; nCarry?: number } = {}): ScanLayer {
  return new ScanLayer(layer, options.axis ?? 0, options.nCarry ?? 1);
}
