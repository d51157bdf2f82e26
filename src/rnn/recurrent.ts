/**
 * The recurrent sequence layers `LSTM` and `GRU`: a cell of `cells.ts` run along axis 1 with the `Scan`
 * combinator from a zero state, as Trax builds them.
 */
import { lstmKernelsRun } from '../backend/fused/lstm_kernel.js';
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { Fn, type FnLayer } from '../core/fn.js';
import { fromList, toStackList } from '../core/stack.js';
import type { ShapeDtype, Stack, State, Weights } from '../core/types.js';
import { Branch } from '../combinators/branch.js';
import { Scan } from '../combinators/scan.js';
import { Select } from '../combinators/select.js';
import { namedSerial, SerialLayer } from '../combinators/serial.js';
import type { Key } from '../rng/key.js';
import { GRUCell, type GRUCellOptions, LSTMCell, type LSTMCellOptions } from './cells.js';
import { lstmSequence } from './lstm_sequence.js';

/**
 * A layer mapping a sequence batch `[B, L, D]` to float32 zeros `[B, width]`: the initial state of a recurrent
 * layer. Named `MakeZeroState`.
 * @public
 */
export function MakeZeroState(width: number): FnLayer {
  const shapeOf = (shape: readonly number[]): number[] => {
    if (shape.length !== 3)
      throw new RangeError(`MakeZeroState: expected an input of shape [batch, length, depth], got [${shape.join(',')}]`);
    return [shape[0]!, width];
  };
  return Fn('MakeZeroState', (x) => tf.zeros(shapeOf(x.shape), 'float32'), 1, {
    outputSignature: (s: ShapeDtype) => ({ shape: shapeOf(s.shape), dtype: 'float32' }),
  });
}

function recurrent(name: string, cell: Layer, stateWidth: number): Layer {
  return namedSerial(
    name,
    [
      Branch(null, MakeZeroState(stateWidth)), // x, zeros
      Scan(cell, { axis: 1, nCarry: 1 }), // ys, final state
      Select([0], 2), // ys
    ],
    [],
  );
}

/**
 * The sequence layer {@link LSTM} makes: `Serial(Branch(null, MakeZeroState), Scan(LSTMCell(n), axis 1),
 * Select([0], 2))` by its sublayers, weights and state, computed in one op where it can be: on cpu, and on wasm
 * with its SIMD kernels, in modes `train` and `eval`, the whole recurrence is one kernel forward and one backward
 * (`lstmSequence`: the input projection of every step in one product, a hand-written backward pass through time)
 * instead of the cell's dozen tfjs kernels per step. The values are those of the step-by-step composition up to
 * float32 rounding. In mode `predict` (which keeps the carry between calls) and on other backends it runs the
 * composition.
 */
class LSTMLayer extends SerialLayer {
  constructor(nUnits: number, options: LSTMCellOptions) {
    const cell = LSTMCell(nUnits, options);
    super([Branch(null, MakeZeroState(2 * nUnits)), Scan(cell, { axis: 1, nCarry: 1 }), Select([0], 2)], `LSTM_${nUnits}`, []);
  }

  /** The fused recurrence where it runs (see the class notes), else the composition of the sublayers. */
  protected override forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const stack = toStackList(inputs, this.nIn, 'input');
    const x = stack[0]!;
    const cell = ((weights['1'] as Weights | undefined)?.['0'] ?? {}) as Weights;
    const [w, b] = [cell['w'], cell['b']];
    const fits =
      w instanceof tf.Tensor &&
      b instanceof tf.Tensor &&
      x.rank === 3 &&
      w.rank === 2 &&
      w.shape[0] === x.shape[2]! + w.shape[1]! / 4 &&
      x.shape[1]! > 0;
    if (this.mode === 'predict' || !fits || !lstmKernelsRun(x, w, b)) return super.forward(inputs, weights, state, rng);
    return [fromList([lstmSequence(x, w, b), ...stack.slice(1)]), state];
  }
}

/**
 * An LSTM over axis 1: `[B, L, D]` to `[B, L, nUnits]`, the output `h` at every position, starting from a zero
 * state and dropping the final state, as Trax's `LSTM`. Built as `Serial(Branch(null, MakeZeroState),
 * Scan(LSTMCell(nUnits), axis 1), Select([0], 2))` and named `LSTM_<nUnits>`; the cell's weights are at
 * `LSTM_<n>/1/Scan/0/LSTMCell_<n>/...`. Unlike Trax, the input depth need not equal `nUnits`. On cpu and wasm
 * (modes `train` and `eval`) the recurrence runs as one fused op with a hand-written backward pass, several times
 * faster than the cell step by step; the values are the same up to float32 rounding.
 * @public
 */
export function LSTM(nUnits: number, options: LSTMCellOptions = {}): Layer {
  return new LSTMLayer(nUnits, options);
}

/**
 * A GRU over axis 1: `[B, L, D]` to `[B, L, nUnits]`, from a zero state, as Trax's `GRU`. Named `GRU_<nUnits>`.
 * @public
 */
export function GRU(nUnits: number, options: GRUCellOptions = {}): Layer {
  return recurrent(`GRU_${nUnits}`, GRUCell(nUnits, options), nUnits);
}
