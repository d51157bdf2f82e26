import type { Layer } from '../core/base.js';
import { ParallelLayer } from './parallel.js';
import { SelectLayer } from './select.js';
import { namedSerial, SerialLayer } from './serial.js';
import { flattenLayers, type LayerLike } from './sublayer_call.js';

/**
 * Gives every layer a copy of the same inputs and stacks their outputs: `Branch(F, G)` maps `x` to
 * `F(x), G(x)`. Each layer sees as many items as it takes, from the top; `null` is a one-item no-op (it passes
 * a copy of the top item).
 * @public
 */
export function Branch(...layers: Array<LayerLike | null>): Layer {
  const resolved = layers.map((l) =>
    l === null ? new SerialLayer([]) : Array.isArray(l) ? new SerialLayer(flattenLayers(l)) : (l as Layer),
  );
  if (resolved.length === 1) return resolved[0]!;
  const parallel = new ParallelLayer(resolved);
  const indices = resolved.flatMap((l) => Array.from({ length: l.nIn }, (_, i) => i));
  const nIn = Math.max(...resolved.map((l) => l.nIn));
  return namedSerial('Branch', [new SelectLayer(indices, nIn), parallel], resolved);
}
