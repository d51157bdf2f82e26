import type { tf } from '../backend/tf.js';

/** A tfjs tensor. @public */
export type Tensor = tf.Tensor;

/**
 * What travels between layers. Trax's packing rule: a layer with one input or output takes or gives one tensor
 * bare; with several (or none), an array.
 * @public
 */
export type Stack = Tensor | Tensor[];

/** The shape and dtype of a tensor, without its data. @public */
export interface ShapeDtype {
  /** The tensor's shape, one size per axis (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** The tensor's element type (`float32`, `int32`, `bool`, ...). */
  readonly dtype: tf.DataType;
}

/** The abstract form of a {@link Stack}: one `ShapeDtype` bare, several as an array. @public */
export type Signature = ShapeDtype | readonly ShapeDtype[];

/**
 * A tree of tensors keyed by name. Layers keep their weights and state in such trees; a layer with sublayers
 * keeps each sublayer's tree under the sublayer's index (`'0'`, `'1'`, ...).
 * @public
 */
export interface TensorTree {
  /** A tensor, or a subtree, under each name. */
  [key: string]: Tensor | TensorTree;
}

/** A layer's trainable weights. @public */
export type Weights = TensorTree;

/** A layer's non-trainable state (running statistics, caches). @public */
export type State = TensorTree;

/**
 * What a layer is run for: `train` enables dropout and other training-only behaviour; `eval` and `predict`
 * disable it (`predict` also selects incremental decoding where a layer supports it).
 * @public
 */
export type Mode = 'train' | 'eval' | 'predict';

/** What initialising a layer produces. @public */
export interface InitResult {
  /** The layer's weights, sublayers' included (under their indices). */
  readonly weights: Weights;
  /** The layer's state, sublayers' included (under their indices). */
  readonly state: State;
  /** The signature of the layer's output, inferred without running it on real data. */
  readonly outputSignature: Signature;
}
