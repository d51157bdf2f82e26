/**
 * A bidirectional LSTM over padded sentences (the NER tagger runs one between its token embedding and its
 * encoder): the backward direction reads each sentence from its own last word, not from the padding after it; and a
 * stack of them as a recurrent sequence encoder.
 */
import { tf } from '../backend/tf.js';
import { Add } from '../combinators/arithmetic.js';
import { Concatenate } from '../combinators/concatenate.js';
import { Parallel } from '../combinators/parallel.js';
import { Select } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import { Fn, type FnLayer } from '../core/fn.js';
import { Dropout } from '../layers/core/index.js';
import { LSTM } from './recurrent.js';
import type { Mode, ShapeDtype, Tensor } from '../core/types.js';

function checkInputs(name: string, x: ShapeDtype, ids: ShapeDtype): void {
  if (x.shape.length < 2 || ids.shape.length !== 2 || ids.dtype !== 'int32' || x.shape[0] !== ids.shape[0] || x.shape[1] !== ids.shape[1]) {
    throw new RangeError(
      `${name}: expected x [batch, length, ...] and int32 ids [batch, length], got ${x.dtype}[${x.shape.join(',')}] and ${ids.dtype}[${ids.shape.join(',')}]`,
    );
  }
}

/**
 * The source row of each of the `b * l` rows of `[B, L]` ids when every sentence is reversed within its own length
 * (row `r * l + t` of a sentence of length `n` takes row `r * l + n - 1 - t` for `t < n`, itself beyond).
 */
function reversalRows(ids: Int32Array, b: number, l: number, padId: number): Int32Array {
  const rows = new Int32Array(b * l);
  for (let r = 0; r < b; r++) {
    let n = 0; // one past the last real position
    for (let t = 0; t < l; t++) if (ids[r * l + t] !== padId) n = t + 1;
    for (let t = 0; t < l; t++) rows[r * l + t] = r * l + (t < n ? n - 1 - t : t);
  }
  return rows;
}

type GradSave = (tensors: Tensor[]) => void;

/**
 * `x` with its rows (along the first two axes) permuted by `rows`, a permutation that is its own inverse: the
 * gradient is the same gather of `dy` (instead of tfjs's scatter-add gradient of a gather, `UnsortedSegmentSum`).
 */
function involutionOfRows(rows: Int32Array): (x: Tensor) => Tensor {
  return tf.customGrad(((x: Tensor, save: GradSave) => {
    save([]);
    const permute = (t: Tensor): Tensor => tf.reshape(tf.gather(tf.reshape(t, [rows.length, -1]), tf.tensor1d(rows, 'int32')), t.shape);
    return { value: permute(x), gradFunc: (dy: Tensor) => [permute(dy)] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

/**
 * `x, ids` to `x` with each sentence reversed within its own length: position `t` of a sentence of length `n` gets
 * position `n - 1 - t` for `t < n` and stays where it is beyond. A sentence ends after its last real word (an id
 * other than `padId`), so padding at the end of a row stays in place. Its own inverse, and so is its gradient (the
 * same reversal of `dy`). The row order is read from `ids` on the host (one read of a small int32 tensor). Named
 * `ReverseWithinLength`.
 * @public
 */
export function ReverseWithinLength(padId = 0): FnLayer {
  const name = 'ReverseWithinLength';
  return Fn(
    name,
    (x: Tensor, ids: Tensor) => {
      checkInputs(name, x, ids);
      const [b, l] = ids.shape as [number, number];
      return involutionOfRows(reversalRows(ids.dataSync() as Int32Array, b, l, padId))(x);
    },
    1,
    {
      outputSignature: (x: ShapeDtype, ids: ShapeDtype) => {
        checkInputs(name, x, ids);
        return x;
      },
    },
  );
}

/**
 * A bidirectional LSTM with a residual connection, for padded sentences: `x, ids` (`[B, L, dModel]` and the word
 * ids `[B, L]`, `padId` at padding) to `x + [forward | backward], ids`. The forward `LSTM(dModel / 2)` reads each
 * row left to right; the backward one reads each sentence right to left from its own last word (the sentence is
 * reversed within its length, run, and reversed back), so neither direction's outputs at a sentence's words
 * depend on the padding after it. The outputs at padding positions are finite and meaningless. The residual keeps
 * the scale of `x` for the encoder after it.
 *
 * Named `BiLSTM`; the forward cell's weights are at `BiLSTM/1/Parallel/0/LSTM_<n>/1/Scan/0/LSTMCell_<n>/{w,b}`,
 * the backward cell's at `BiLSTM/1/Parallel/1/BackwardLSTM/2/LSTM_<n>/1/Scan/0/LSTMCell_<n>/{w,b}` (`n = dModel / 2`).
 *
 * @param dModel - the width of `x` (even).
 * @param padId - the word id of padding (default 0).
 * @public
 */
export function PaddedBiLSTM(dModel: number, padId = 0): SerialLayer {
  if (!Number.isInteger(dModel) || dModel < 2 || dModel % 2 !== 0)
    throw new RangeError(`PaddedBiLSTM: dModel must be an even integer >= 2, got ${dModel}`);
  const n = dModel / 2;
  // x, ids -> reversed x, ids -> reversed h, ids -> h
  const backward = namedSerial('BackwardLSTM', [Select([0, 1, 1], 2), ReverseWithinLength(padId), LSTM(n), ReverseWithinLength(padId)]);
  return namedSerial('BiLSTM', [
    Select([0, 0, 1, 0, 1], 2), // x, x, ids, x, ids
    Parallel(LSTM(n), backward), // forward, backward, x, ids
    Concatenate(), // [forward | backward], x, ids
    Add(), // x + [forward | backward], ids
  ]);
}

/** Options of {@link BiLSTMEncoder}. @public */
export interface BiLSTMEncoderOptions {
  /** Dropout rate after each layer (default 0). */
  readonly dropout?: number;
  /** The word id of padding (default 0). */
  readonly padId?: number;
  /** The mode the dropout layers start in (default `'train'`). */
  readonly mode?: Mode;
}

/**
 * A recurrent sequence encoder (the BiLSTM of Huang et al. 2015 and Lample et al. 2016, stacked): `x, ids -> y`,
 * `nLayers` {@link PaddedBiLSTM}s of `dModel / 2` units each way, each residual (`x + [forward | backward]`) and
 * followed by dropout, then the ids are dropped. Padding-aware as `PaddedBiLSTM` is: the outputs at a sentence's
 * words do not depend on the padding after it. Named `BiLSTMEncoder`.
 *
 * @param dModel - the width of `x` (even).
 * @param nLayers - the number of stacked BiLSTMs.
 * @public
 */
export function BiLSTMEncoder(dModel: number, nLayers: number, options: BiLSTMEncoderOptions = {}): SerialLayer {
  if (!Number.isInteger(nLayers) || nLayers < 1) throw new RangeError(`BiLSTMEncoder: nLayers must be a positive integer, got ${nLayers}`);
  const mode = options.mode ?? 'train';
  const layers = Array.from({ length: nLayers }, () => [
    PaddedBiLSTM(dModel, options.padId ?? 0),
    Dropout(options.dropout ?? 0, { mode }),
  ]).flat();
  const encoder = namedSerial('BiLSTMEncoder', [...layers, Select([0], 2)]);
  encoder.mode = mode;
  return encoder;
}
