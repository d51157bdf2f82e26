import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { Fn } from '../core/fn.js';
import { refuseUnknownOptions } from '../core/options.js';
import { Branch } from './branch.js';
import { Concatenate } from './concatenate.js';
import { namedSerial, Serial } from './serial.js';

/** Options of {@link Bidirectional}. @public */
export interface BidirectionalOptions {
  /** The time axis, reversed for the backward copy (default 1). */
  axis?: number;
  /** Merges the forward and backward outputs (default `Concatenate()`, on the last axis; Trax's `merge_layer`). */
  mergeLayer?: Layer;
}

/**
 * Runs a sequence layer forwards and (a fresh copy of it) backwards along `axis`, and merges both outputs
 * (default: concatenation on the last axis). As in Trax, the backward copy has its own weights.
 * @public
 */
export function Bidirectional(forwardLayer: Layer, options: BidirectionalOptions = {}): Layer {
  refuseUnknownOptions('Bidirectional', options, ['axis', 'mergeLayer']);
  const axis = options.axis ?? 1;
  const flip = () => Fn('FlipAlongAxis', (x) => tf.reverse(x, axis), 1, { outputSignature: (s) => s });
  const backward = Serial(flip(), forwardLayer.clone(), flip());
  return namedSerial('Bidirectional', [Branch(forwardLayer, backward), options.mergeLayer ?? Concatenate()]);
}
