/**
 * The core layers of trax-ts: dense, locally connected and embedding layers, normalisation, dropout, activations,
 * reductions, learnt weights and noise as layers, StopGradient, SummaryScalar, ThresholdToBinary, and the sequence
 * helpers ShiftRight, PaddingMask and PositionalEncoding.
 */
export { ArgMax, type Axes, Flatten, Max, Mean, Min, Sum } from './reductions.js';
export { FastGelu, Gelu, LogSoftmax, Relu, Sigmoid, Softmax, Tanh } from './activations.js';
export { Dense, DenseLayer, type DenseOptions } from './dense.js';
export { Dropout, DropoutLayer, type DropoutOptions } from './dropout.js';
export { Embedding, EmbeddingLayer, embeddingLookup, type EmbeddingOptions } from './embedding.js';
export { LayerNorm, LayerNormLayer, type LayerNormOptions } from './layer_norm.js';
export { linearMap } from './linear_map.js';
export {
  LocallyConnected1d,
  LocallyConnected1dLayer,
  type LocallyConnected1dOptions,
  type LocallyConnectedPadding,
} from './locally_connected.js';
export { PaddingMask } from './padding_mask.js';
export { PositionalEncoding, PositionalEncodingLayer, type PositionalEncodingOptions, sinusoidalTable } from './positional_encoding.js';
export { ShiftRight, ShiftRightLayer, type ShiftRightOptions } from './shift_right.js';
export { RandomUniformLayer, type RandomUniformLayerOptions } from './random_uniform_layer.js';
export { StopGradient } from './stop_gradient.js';
export { SummaryScalar, SummaryScalarLayer, type SummaryScalarOptions } from './summary_scalar.js';
export { ThresholdToBinary } from './threshold_to_binary.js';
export { WeightsLayer } from './weights_layer.js';
