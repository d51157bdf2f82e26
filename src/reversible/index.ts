/** Reversible layers: stacks whose backward pass reconstructs activations instead of storing them. */
export { type Residue, ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';
export { ReversibleSelect, ReversibleSelectLayer, ReversibleSwap } from './reversible_select.js';
export { ReversibleHalfResidual, ReversibleHalfResidualLayer, type ReversibleHalfResidualOptions } from './reversible_half_residual.js';
export { ReversibleSerial, ReversibleSerialLayer, type ReversibleSerialOptions } from './reversible_serial.js';
export { ReversibleReshape, ReversibleReshapeLayer } from './reversible_reshape.js';
export { ReversibleConcatenatePair, ReversibleConcatenatePairLayer } from './reversible_concatenate_pair.js';
export { ReversiblePrintShape, ReversiblePrintShapeLayer, type ReversiblePrintShapeOptions } from './reversible_print_shape.js';
