/**
 * The recurrent sequence layers `LSTM` and `GRU`: a cell of `cells.ts` run along axis 1 with the `Scan`
 * combinator from a zero state, as Trax builds them.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { Fn, type FnLayer } from '../core/fn.js';
import type { ShapeDtype } from '../core/types.js';
import { Branch } from '../combinators/branch.js';
import { Scan } from '../combinators/scan.js';
import { Select } from '../combinators/select.js';
import { namedSerial } from '../combinators/serial.js';
import { GRUCell, type GRUCellOptions, LSTMCell, type LSTMCellOptions } from './cells.js';

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
 * An LSTM over axis 1: `[B, L, D]` to `[B, L, nUnits]`, the output `h` at every position, starting from a zero
 * state and dropping the final state, as Trax's `LSTM`. Built as `Serial(Branch(null, MakeZeroState),
 * Scan(LSTMCell(nUnits), axis 1), Select([0], 2))` and named `LSTM_<nUnits>`; the cell's weights are at
 * `LSTM_<n>/1/Scan/0/LSTMCell_<n>/...`. Unlike Trax, the input depth need not equal `nUnits`.
 * @public
 */
export function LSTM(nUnits: number, options: LSTMCellOptions = {}): Layer {
  return recurrent(`LSTM_${nUnits}`, LSTMCell(nUnits, options), 2 * nUnits);
}

/**
 * A GRU over axis 1: `[B, L, D]` to `[B, L, nUnits]`, from a zero state, as Trax's `GRU`. Named `GRU_<nUnits>`.
 * @public
 */
export function GRU(nUnits: number, options: GRUCellOptions = {}): Layer {
  return recurrent(`GRU_${nUnits}`, GRUCell(nUnits, options), nUnits);
}
