import type { Layer } from '../core/base.js';
import { Select } from './select.js';
import { namedSerial, type SerialLayer } from './serial.js';

/**
 * A `Serial` that puts side outputs aside (Trax's `SerialWithSideOutputs`): after layer `i` runs, the last
 * `nSideOutputs[i]` of its outputs move to the bottom of the stack, below everything else, and the next layer
 * sees only the rest. With layers of 1 input and 2 outputs and one side output each, it computes
 *
 * ```
 * sides = []
 * for each layer: x, side = layer(x); sides.push(side)
 * return x, ...sides
 * ```
 *
 * Built as a `Serial` of each layer followed by the `Select` that moves its side outputs down; its input count is
 * the most items the layers reach for, as `Serial`'s.
 *
 * @param layers - The layers, run in order.
 * @param nSideOutputs - How many of each layer's outputs to put aside: one count for all (default 1), or one per
 *   layer.
 * @public
 */
export function SerialWithSideOutputs(layers: readonly Layer[], nSideOutputs: number | readonly number[] = 1): SerialLayer {
  const sides = typeof nSideOutputs === 'number' ? layers.map(() => nSideOutputs) : [...nSideOutputs];
  if (sides.length !== layers.length) {
    throw new Error(`SerialWithSideOutputs: ${sides.length} side-output counts for ${layers.length} layers`);
  }
  layers.forEach((layer, i) => {
    const k = sides[i]!;
    if (!Number.isInteger(k) || k < 0 || k > layer.nOut) {
      throw new RangeError(`SerialWithSideOutputs: layer ${i} (${layer.name}) has ${layer.nOut} outputs and cannot put ${k} aside`);
    }
  });
  // The items needed: the running maximum, where a layer leaves nOut - side items for the next ones.
  let runningMax = 0;
  let runningTotal = 0;
  layers.forEach((layer, i) => {
    runningTotal += layer.nIn;
    runningMax = Math.max(runningMax, runningTotal);
    runningTotal -= layer.nOut - sides[i]!;
  });
  let stackSize = runningMax;
  const steps: Layer[] = [];
  layers.forEach((layer, i) => {
    const side = sides[i]!;
    stackSize += layer.nOut - layer.nIn;
    const kept = Array.from({ length: layer.nOut - side }, (_, k) => k);
    const below = Array.from({ length: stackSize - layer.nOut }, (_, k) => k + layer.nOut);
    const moved = Array.from({ length: side }, (_, k) => k + layer.nOut - side);
    steps.push(layer, Select([...kept, ...below, ...moved], stackSize));
  });
  return namedSerial('SerialWithSideOutputs', steps);
}
