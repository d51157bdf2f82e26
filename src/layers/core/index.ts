/**
 * The core layers of trax-ts: dense and embedding layers, normalisation, dropout, activations, reductions, and
 * the sequence helpers ShiftRight, PaddingMask and PositionalEncoding.
 */
export { ArgMax, type Axes, Flatten, Mean, Sum } from './reductions.js';
export { FastGelu, Gelu, LogSoftmax, Relu, Sigmoid, Softmax, Tanh } from './activations.js';
export { Dense, DenseLayer, type DenseOptions } from './dense.js';
export { Dropout, DropoutLayer, type DropoutOptions } from './dropout.js';
export { Embedding, EmbeddingLayer, embeddingLookup, type EmbeddingOptions } from './embedding.js';
export { LayerNorm, LayerNormLayer, type LayerNormOptions } from './layer_norm.js';
export { linearMap } from './linear_map.js';
export { PaddingMask } from './padding_mask.js';
export {
  PositionalEncoding,
  PositionalEncodingLayer,
  type PositionalEncodingOptions,
  sinusoidalTable,
} from './positional_encoding.js';
export { ShiftRight, ShiftRightLayer, type ShiftRightOptions } from './shift_right.js';
