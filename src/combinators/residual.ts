import { Layer } from '../core/base.js';
import { Add } from './arithmetic.js';
import { Branch } from './branch.js';
import { namedSerial, SerialLayer } from './serial.js';
import { flattenLayers, type LayerLike } from './sublayer_call.js';

/** Options of {@link Residual}. @public */
export interface ResidualOptions {
  /** The layer applied on the skip path (default: identity). */
  shortcut?: Layer;
}

/**
 * A residual connection: `x -> shortcut(x) + F(x)`, where `F` is the `Serial` of the given layers and the
 * shortcut defaults to the identity. A trailing options object may set `shortcut`.
 *
 * @example
 * ```ts
 * const block = Residual(LayerNorm(), Dense(64), Relu());
 * ```
 * @public
 */
export function Residual(...items: Array<LayerLike | ResidualOptions>): Layer {
  const last = items[items.length - 1];
  const hasOptions = last !== undefined && !(last instanceof Layer) && !Array.isArray(last);
  const options = (hasOptions ? last : {}) as ResidualOptions;
  const layers = flattenLayers((hasOptions ? items.slice(0, -1) : items) as LayerLike[]);
  const main = layers.length === 1 ? layers[0]! : new SerialLayer(layers);
  const shortcut = options.shortcut ?? null;
  const printed = options.shortcut ? [main, options.shortcut] : [main];
  return namedSerial('Residual', [Branch(shortcut, main), Add()], printed);
}
