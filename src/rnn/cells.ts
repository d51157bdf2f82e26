/**
 * Recurrent cells: one step of an LSTM or a GRU, with their own weights. `recurrent.ts` runs them along a
 * sequence with the `Scan` combinator.
 */
import { tf } from '../backend/tf.js';
import { Layer } from '../core/base.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../core/types.js';
import { expectFloat, weightOf } from '../layers/core/checks.js';
import { linearMap } from '../layers/core/linear_map.js';
import { GlorotUniform, type Initializer, RandomNormal, RandomUniform } from '../layers/initializers.js';
import { type Key, splitKey } from '../rng/key.js';
/** Options of {@link LSTMCell}. @public */
export interface LSTMCellOptions {
  /** Added to the forget gate's bias at initialisation, so the cell starts by remembering (default 1). */
  forgetBias?: number;
  /** Makes the `[dIn + nUnits, 4 nUnits]` kernel (default: Glorot uniform). */
  kernelInitializer?: Initializer;
  /** Makes the `[4 nUnits]` bias before the forget bias is added (default: normal, standard deviation 1e-6). */
  biasInitializer?: Initializer;
}

/** Options of {@link GRUCell}. @public */
export interface GRUCellOptions {
  /** Added to the gates' bias at initialisation (default 0, as Trax). */
  forgetBias?: number;
  /** Makes both kernels (default: uniform in [-0.01, 0.01], as Trax). */
  kernelInitializer?: Initializer;
  /** Makes both biases (default: normal, standard deviation 1e-6). */
  biasInitializer?: Initializer;
}

function checkUnits(nUnits: number, who: string): void {
  if (!Number.isInteger(nUnits) || nUnits < 1) throw new RangeError(`${who}: nUnits must be a positive integer, got ${nUnits}`);
}

function checkStepSignature(x: ShapeDtype, carry: ShapeDtype, carryDepth: number, who: string): void {
  expectFloat(x, who);
  expectFloat(carry, who);
  if (x.shape.length < 1) throw new RangeError(`${who}: the input must have a feature axis, got a scalar`);
  const carryShape = [...x.shape.slice(0, -1), carryDepth];
  if (carry.shape.join(',') !== carryShape.join(',')) {
    throw new RangeError(
      `${who}: the state must have shape [${carryShape.join(',')}] for input [${x.shape.join(',')}], got [${carry.shape.join(',')}]`,
    );
  }
}

/**
 * One step of a long short-term memory (Hochreiter and Schmidhuber, 1997): takes `x` (`[B, dIn]`) and the state
 * `[c | h]` (`[B, 2 nUnits]`, the cell memory and the output concatenated) and gives the new output `h'`
 * (`[B, nUnits]`) and the new state `[c' | h']`. With `[i, j, f, o] = [x | h]·w + b` split in four,
 * `c' = c·σ(f) + σ(i)·tanh(j)` and `h' = tanh(c')·σ(o)`: the input gate `i` admits the candidate `j`, the forget
 * gate `f` keeps old memory, the output gate `o` exposes it. Named `LSTMCell_<nUnits>`, weights
 * `{ w: [dIn + nUnits, 4 nUnits], b: [4 nUnits] }`.
 *
 * Unlike Trax, which adds `forgetBias` to the whole bias vector, the forget bias goes to the forget gate only.
 * @public
 */
export class LSTMCellLayer extends Layer {
  /** Added to the forget gate's bias at initialisation. */
  readonly forgetBias: number;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  constructor(
    /** The size of the hidden state `h` (the carry holds `c` and `h`, `2 nUnits`). */
    readonly nUnits: number,
    options: LSTMCellOptions = {},
  ) {
    checkUnits(nUnits, 'LSTMCell');
    super({ nIn: 2, nOut: 2, name: `LSTMCell_${nUnits}` });
    this.forgetBias = options.forgetBias ?? 1;
    this.kernelInitializer = options.kernelInitializer ?? GlorotUniform();
    this.biasInitializer = options.biasInitializer ?? RandomNormal(1e-6);
  }

  /**
   * `w` (`[dIn + nUnits, 4 nUnits]`) from the kernel initializer and `b` (`[4 nUnits]`) with `forgetBias` on the
   * forget gate.
   */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const [x, carry] = signature as [ShapeDtype, ShapeDtype];
    checkStepSignature(x, carry, 2 * this.nUnits, this.name);
    const n = this.nUnits;
    const dIn = x.shape[x.shape.length - 1]!;
    const [kernelKey, biasKey] = splitKey(rng, 2);
    const w = this.kernelInitializer(kernelKey!, [dIn + n, 4 * n]);
    const rawBias = this.biasInitializer(biasKey!, [4 * n]);
    const forget = new Float32Array(4 * n);
    forget.fill(this.forgetBias, 2 * n, 3 * n);
    const b = tf.tidy(() => tf.add(rawBias, tf.tensor1d(forget)));
    rawBias.dispose();
    return { weights: { w, b }, state: {} };
  }

  /** `h` (`[..., nUnits]`) and the new carry `[c | h]` (`[..., 2 nUnits]`). */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const [x, carry] = signature as [ShapeDtype, ShapeDtype];
    checkStepSignature(x, carry, 2 * this.nUnits, this.name);
    const lead = x.shape.slice(0, -1);
    return [
      { shape: [...lead, this.nUnits], dtype: 'float32' },
      { shape: [...lead, 2 * this.nUnits], dtype: 'float32' },
    ];
  }

  /** One LSTM step: from `x` and the carry `[c | h]`, the new `h` and the new carry `[c' | h']`. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const [x, carry] = inputs as Tensor[];
    checkStepSignature(x!, carry!, 2 * this.nUnits, this.name);
    const [c, h] = tf.split(carry!, 2, -1) as [Tensor, Tensor];
    const y = tf.add(linearMap(tf.concat([x!, h], -1), weightOf(weights, 'w', this.name)), weightOf(weights, 'b', this.name));
    const [i, j, f, o] = tf.split(y, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
    const newC = tf.add(tf.mul(c, tf.sigmoid(f)), tf.mul(tf.sigmoid(i), tf.tanh(j)));
    const newH = tf.mul(tf.tanh(newC), tf.sigmoid(o));
    return [[newH, tf.concat([newC, newH], -1)], state];
  }
}

/**
 * An LSTM cell of `nUnits` units (see {@link LSTMCellLayer}).
 * @public
 */
export function LSTMCell(nUnits: number, options: LSTMCellOptions = {}): LSTMCellLayer {
  return new LSTMCellLayer(nUnits, options);
}

/**
 * One step of a gated recurrent unit (Cho et al., 2014), as Trax's `GRUCell`: takes `x` (`[B, dIn]`) and the
 * state `h` (`[B, nUnits]`) and gives the new state twice (as output and as carry). With
 * `[u, r] = σ([x | h]·wGates + bGates)` (update and reset gates) and the candidate
 * `c = tanh([x | r·h]·wCandidate + bCandidate)`, the new state is `h' = u·h + (1 - u)·c`. Named
 * `GRUCell_<nUnits>`, weights `{ wGates: [dIn + n, 2n], bGates: [2n], wCandidate: [dIn + n, n], bCandidate: [n] }`.
 * @public
 */
export class GRUCellLayer extends Layer {
  /** Added to both gates' bias at initialisation. */
  readonly forgetBias: number;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  constructor(
    /** The size of the state `h`. */
    readonly nUnits: number,
    options: GRUCellOptions = {},
  ) {
    checkUnits(nUnits, 'GRUCell');
    super({ nIn: 2, nOut: 2, name: `GRUCell_${nUnits}` });
    this.forgetBias = options.forgetBias ?? 0;
    this.kernelInitializer = options.kernelInitializer ?? RandomUniform(0.01);
    this.biasInitializer = options.biasInitializer ?? RandomNormal(1e-6);
  }

  /** `wGates`, `bGates` (with `forgetBias` added), `wCandidate` and `bCandidate`, shaped as in the class comment. */
  protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
    const [x, carry] = signature as [ShapeDtype, ShapeDtype];
    checkStepSignature(x, carry, this.nUnits, this.name);
    const n = this.nUnits;
    const dIn = x.shape[x.shape.length - 1]!;
    const [k1, k2, k3, k4] = splitKey(rng, 4);
    const rawGateBias = this.biasInitializer(k2!, [2 * n]);
    const bGates = this.forgetBias === 0 ? rawGateBias : tf.tidy(() => tf.add(rawGateBias, this.forgetBias));
    if (bGates !== rawGateBias) rawGateBias.dispose();
    return {
      weights: {
        wGates: this.kernelInitializer(k1!, [dIn + n, 2 * n]),
        bGates,
        wCandidate: this.kernelInitializer(k3!, [dIn + n, n]),
        bCandidate: this.biasInitializer(k4!, [n]),
      },
      state: {},
    };
  }

  /** The new state `[..., nUnits]`, twice. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const [x, carry] = signature as [ShapeDtype, ShapeDtype];
    checkStepSignature(x, carry, this.nUnits, this.name);
    const out: ShapeDtype = { shape: [...x.shape.slice(0, -1), this.nUnits], dtype: 'float32' };
    return [out, out];
  }

  /** One GRU step: the new state `u·h + (1 - u)·c`, as output and as carry. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const [x, h] = inputs as [Tensor, Tensor];
    checkStepSignature(x, h, this.nUnits, this.name);
    const gates = tf.sigmoid(
      tf.add(linearMap(tf.concat([x, h], -1), weightOf(weights, 'wGates', this.name)), weightOf(weights, 'bGates', this.name)),
    );
    const [u, r] = tf.split(gates, 2, -1) as [Tensor, Tensor];
    const candidate = tf.tanh(
      tf.add(
        linearMap(tf.concat([x, tf.mul(r, h)], -1), weightOf(weights, 'wCandidate', this.name)),
        weightOf(weights, 'bCandidate', this.name),
      ),
    );
    const newH = tf.add(tf.mul(u, h), tf.mul(tf.sub(1, u), candidate));
    return [[newH, newH], state];
  }
}

/**
 * A GRU cell of `nUnits` units (see {@link GRUCellLayer}).
 * @public
 */
export function GRUCell(nUnits: number, options: GRUCellOptions = {}): GRUCellLayer {
  return new GRUCellLayer(nUnits, options);
}
