/**
 * Optimizer slots keyed by path, for checkpoints: the slot `m` of the weight `Serial/0/Dense_4/w` of train task 0
 * is `0/Serial/0/Dense_4/w/m`.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { mapTree } from '../core/tensor_tree.js';
import { namedTensors } from '../core/named_tensors.js';
import type { Tensor, TensorTree, Weights } from '../core/types.js';
import type { SlotTree } from '../optimizers/optimizer.js';

/** Visits each distinct weight with its slots (the slot tree follows the weights' layout, a dict per weight). */
function eachWeightSlots(
  weights: Weights,
  slots: SlotTree,
  visit: (weight: Tensor, weightSlots: TensorTree) => void,
  seen = new Set<Tensor>(),
): void {
  for (const [key, value] of Object.entries(weights)) {
    const sub = slots[key];
    if (sub === undefined || sub instanceof tf.Tensor) throw new Error(`the slot tree has no slots under '${key}'`);
    if (value instanceof tf.Tensor) {
      if (seen.has(value)) continue;
      seen.add(value);
      visit(value, sub);
    } else {
      eachWeightSlots(value, sub, visit, seen);
    }
  }
}

/** The slots of one optimizer by path, prefixed with `prefix` (the train task's index). */
export function namedSlots(model: Layer, weights: Weights, slots: SlotTree, prefix: string): Map<string, Tensor> {
  const pathOf = new Map<Tensor, string>();
  for (const [p, t] of namedTensors(model, weights)) pathOf.set(t, p);
  const named = new Map<string, Tensor>();
  eachWeightSlots(weights, slots, (weight, weightSlots) => {
    for (const [slotName, t] of Object.entries(weightSlots)) {
      if (!(t instanceof tf.Tensor)) throw new Error(`slot '${slotName}' of weight ${pathOf.get(weight)} is not a tensor`);
      named.set(`${prefix}/${pathOf.get(weight)}/${slotName}`, t);
    }
  });
  return named;
}

/**
 * A slot tree laid out like `template`, its tensors looked up by path in `named` (the inverse of
 * {@link namedSlots}); slots shared by a shared weight stay shared.
 */
export function slotsFromNamed(
  model: Layer,
  weights: Weights,
  template: SlotTree,
  named: ReadonlyMap<string, Tensor>,
  prefix: string,
): SlotTree {
  const pathOfSlot = new Map<Tensor, string>();
  for (const [p, t] of namedSlots(model, weights, template, prefix)) pathOfSlot.set(t, p);
  return mapTree(template, (t) => {
    const p = pathOfSlot.get(t);
    const found = p === undefined ? undefined : named.get(p);
    if (!found) throw new Error(`no checkpoint tensor for slot ${p ?? '?'}`);
    return found;
  });
}
