import { tf } from '../backend/tf.js';
import type { Layer } from '../layers/base.js';
import { Fn } from '../layers/fn.js';
import { Branch } from './branch.js';
import { Concatenate } from './concatenate.js';
import { namedSerial, Serial } from './serial.js';

/**
 * Runs a sequence layer forwards and (a fresh copy of it) backwards along `axis`, and merges both outputs
 * (default: concatenation on the last axis). As in Trax, the backward copy has its own weights.
 * @public
 */
export function Bidirectional(forwardLayer: Layer, options: { axis?: number; merge?: Layer } = {}): Layer {
  const axis = options.axis ?? 1;
  const flip = () => Fn('FlipAlongAxis', (x) => tf.reverse(x, axis), 1, { outputSignature: (s) => s });
  const backward = Serial(flip(), forwardLayer.clone(), flip());
  return namedSerial('Bidirectional', [Branch(forwardLayer, backward), options.merge ?? Concatenate()]);
}
