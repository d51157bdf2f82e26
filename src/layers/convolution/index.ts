/** Convolution layers: the general `Conv`, `Conv1d` over sequences, and the causal `CausalConv`. */
export { Conv, Conv1d, ConvLayer, type Conv1dOptions, type ConvOptions } from './conv.js';
export { CausalConv, CausalConvLayer, type CausalConvOptions } from './causal_conv.js';
export type { ConvPadding, DimensionNumbers } from './conv_general.js';
