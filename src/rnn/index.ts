/**
 * Recurrent layers: LSTM and GRU cells, the sequence layers `LSTM` and `GRU` built on the `Scan` combinator, and a
 * bidirectional LSTM for padded sentences.
 */
export { LSTMCell, LSTMCellLayer, type LSTMCellOptions, GRUCell, GRUCellLayer, type GRUCellOptions } from './cells.js';
export { MakeZeroState, LSTM, GRU } from './recurrent.js';
export { PaddedBiLSTM, ReverseWithinLength } from './padded_bilstm.js';
