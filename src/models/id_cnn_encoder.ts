/**
 * An iterated dilated CNN (ID-CNN, Strubell et al. 2017, "Fast and Accurate Entity Recognition with Iterated
 * Dilated Convolutions"): a sequence encoder made of 1-D convolutions whose dilations grow inside a block, the
 * block applied several times.
 */
import { tf } from '../backend/tf.js';
import { Parallel } from '../combinators/parallel.js';
import { Select } from '../combinators/select.js';
import { namedSerial, type SerialLayer } from '../combinators/serial.js';
import type { Layer } from '../core/base.js';
import { Conv1d } from '../layers/convolution/conv.js';
import { Dropout, Relu } from '../layers/core/index.js';
import { Fn } from '../core/fn.js';
import { KaimingNormal } from '../layers/initializers.js';
import type { Mode, ShapeDtype, Tensor } from '../core/types.js';
import { checkBool, checkInt, checkKnownKeys, checkRate } from './config_checks.js';

/** Configuration of {@link IdCnnEncoder}. @public */
export interface IdCnnEncoderConfig {
  /** The width of the input and of every convolution's output (the filters of each convolution). */
  dModel: number;
  /** How many times the dilated block is applied. */
  nBlocks: number;
  /** The dilations of the block's convolutions, in order (default `[1, 2, 4]`). */
  dilations?: readonly number[];
  /** The kernel width of every convolution (default 3). */
  kernelSize?: number;
  /**
   * Whether every application of the block uses the same weights, as in the ID-CNN (default true: one block's
   * weights, reused; false: each application its own weights).
   */
  shareBlockWeights?: boolean;
  /** Dropout rate at the input of each block (default 0). */
  dropout?: number;
  /** The id of padding tokens, when the second input is token ids (default 0). */
  padId?: number;
  /** The mode the encoder's layers start in (default `'train'`). */
  mode?: Mode;
}

const KEYS = ['dModel', 'nBlocks', 'dilations', 'kernelSize', 'shareBlockWeights', 'dropout', 'padId', 'mode'];

/** `source` (int32 ids `[B, L]`, or a bool/float mask `[B, L]`) to the float32 real-token mask `[B, L, 1]`. */
function RealTokenMask(padId: number): Layer {
  const name = 'RealTokenMask';
  const check = (s: ShapeDtype): void => {
    if (s.shape.length !== 2)
      throw new RangeError(`${name}: expected token ids or a mask of shape [batch, length], got ${s.dtype}[${s.shape.join(',')}]`);
  };
  return Fn(
    name,
    (source: Tensor) => {
      check(source);
      const pad = source.dtype === 'int32' ? padId : 0;
      return tf.cast(tf.notEqual(source, tf.scalar(pad, source.dtype)), 'float32').expandDims(2);
    },
    1,
    {
      outputSignature: (s: ShapeDtype) => {
        check(s);
        return { shape: [s.shape[0]!, s.shape[1]!, 1], dtype: 'float32' };
      },
    },
  );
}

/** `x, mask -> x * mask, mask`: padding positions set to 0, so a convolution sees them as the zeros beyond a row's end. */
function ZeroPadding(): Layer {
  return Fn('ZeroPadding', (x: Tensor, mask: Tensor) => [tf.mul(x, mask), mask], 2, {
    outputSignature: (x: ShapeDtype, mask: ShapeDtype) => {
      if (x.shape.length !== 3 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])
        throw new RangeError(
          `ZeroPadding: expected x [batch, length, d] and a mask [batch, length, 1], got [${x.shape}] and [${mask.shape}]`,
        );
      return [x, mask];
    },
  });
}

/**
 * An iterated dilated CNN over embedded tokens, after Strubell et al. (2017): `x, source -> y`, `x` `[B, L, dModel]`,
 * `source` the token ids (int32 `[B, L]`, `padId` at padding) or a real-token mask (`[B, L]`, non-zero = real),
 * `y` `[B, L, dModel]`.
 *
 * A block is, for each dilation `d` of `dilations` (default 1, 2, 4), a `Conv1d(dModel, kernelSize, { dilation: d,
 * padding: 'SAME' })` followed by a ReLU: each token gets one output, and a block of kernel 3 sees
 * `1 + 2 (1 + 2 + 4) = 15` tokens; the block is applied `nBlocks` times (29 tokens for two), each time after
 * dropout. As in the ID-CNN the applications share one block's weights (`shareBlockWeights`, default true: the
 * same layer object at every place, so checkpoints and exports hold its weights once, at the first place's path).
 *
 * Padding is masked: before every convolution the padding positions are set to 0, so the outputs at a sentence's
 * tokens are those of the sentence alone, whatever padding follows it in a batch. Outputs at padding positions
 * are 0. Kernels start He-normal (each convolution feeds a ReLU), biases near 0.
 *
 * Layers: `Parallel(null, RealTokenMask)`, then per application `Dropout`, `DilatedBlock` (`ZeroPadding`,
 * `Conv1d`, `Relu` per dilation), then `ZeroPadding`, `Select([0])`. Named `IdCnnEncoder`.
 * @public
 */
export function IdCnnEncoder(config: IdCnnEncoderConfig): SerialLayer {
  const model = 'IdCnnEncoder';
  if (config === null || typeof config !== 'object') throw new TypeError(`${model}: expected a configuration object`);
  checkKnownKeys(model, config, KEYS);
  const dModel = checkInt(model, 'dModel', config.dModel);
  const nBlocks = checkInt(model, 'nBlocks', config.nBlocks);
  const kernelSize = checkInt(model, 'kernelSize', config.kernelSize ?? 3);
  const dilations = config.dilations ?? [1, 2, 4];
  if (!Array.isArray(dilations) || dilations.length === 0 || dilations.some((d) => !Number.isInteger(d) || d < 1))
    throw new RangeError(`${model}: dilations must be a non-empty list of positive integers, got ${JSON.stringify(dilations)}`);
  const share = checkBool(model, 'shareBlockWeights', config.shareBlockWeights ?? true);
  const dropout = checkRate(model, 'dropout', config.dropout ?? 0);
  const padId = checkInt(model, 'padId', config.padId ?? 0, 0);
  const mode = config.mode ?? 'train';
  const block = (): SerialLayer =>
    namedSerial(
      'DilatedBlock',
      dilations.flatMap((d) => [
        ZeroPadding(),
        Conv1d(dModel, kernelSize, { dilation: d, padding: 'SAME', kernelInitializer: KaimingNormal() }),
        Relu(),
      ]),
    );
  const shared = share ? block() : undefined;
  const layers: Layer[] = [Parallel(null, RealTokenMask(padId))];
  for (let i = 0; i < nBlocks; i++) layers.push(Dropout(dropout, { mode }), shared ?? block());
  layers.push(ZeroPadding(), Select([0], 2));
  const encoder = namedSerial(model, layers);
  encoder.mode = mode;
  return encoder;
}
