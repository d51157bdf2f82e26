/**
 * The weights of `Serial(model, loss)` laid out flat, one after another, in the order of their paths: what the
 * replicas of data-parallel training share through one `SharedArrayBuffer` (the weights) and one per worker (its
 * gradients). Replicas built the same way have the same layout; {@link layoutProblems} says where two differ.
 */
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { mapTree } from '../core/tensor_tree.js';
import { namedTensors } from '../core/named_tensors.js';
import type { Tensor, Weights } from '../core/types.js';

/** One weight tensor's place in the flat layout. */
export interface LayoutEntry {
  /** Its path (the model's own, or `loss/<path>` for the loss layer's). */
  readonly path: string;
  readonly shape: readonly number[];
  /** Its first element's index in the flat array. */
  readonly offset: number;
  readonly size: number;
}

/** The flat layout of a model's and its loss layer's weights, and the tensors each entry is now. */
export interface WeightLayout {
  readonly entries: readonly LayoutEntry[];
  /** The total number of elements. */
  readonly size: number;
}

/** The distinct weight tensors of the model and the loss layer by path, in order (a shared tensor once). */
function namedWeights(model: Layer, lossLayer: Layer): Array<[string, Tensor]> {
  const named: Array<[string, Tensor]> = [...namedTensors(model)];
  const seen = new Set(named.map(([, t]) => t));
  for (const [p, t] of namedTensors(lossLayer)) if (!seen.has(t)) named.push([`loss/${p}`, t]);
  return named;
}

/** The layout of the layers' current weights (float32 only: an int weight cannot be trained). */
export function weightLayout(model: Layer, lossLayer: Layer): WeightLayout {
  let offset = 0;
  const entries = namedWeights(model, lossLayer).map(([path, t]) => {
    if (t.dtype !== 'float32') throw new Error(`data-parallel training: the weight ${path} is ${t.dtype}, only float32 weights are shared`);
    const entry = { path, shape: [...t.shape], offset, size: t.size };
    offset += t.size;
    return entry;
  });
  return { entries, size: offset };
}

/** Where the layout `mine` differs from `theirs` (paths, shapes), or nothing. */
export function layoutProblems(mine: WeightLayout, theirs: WeightLayout): string[] {
  const problems: string[] = [];
  const other = new Map(theirs.entries.map((e) => [e.path, e]));
  for (const e of mine.entries) {
    const o = other.get(e.path);
    if (!o) problems.push(`${e.path}: missing`);
    else if (o.shape.join(',') !== e.shape.join(',')) problems.push(`${e.path}: [${o.shape.join(',')}], expected [${e.shape.join(',')}]`);
  }
  for (const o of theirs.entries) if (!mine.entries.some((e) => e.path === o.path)) problems.push(`${o.path}: not expected`);
  return problems;
}

/** Copies the layers' weights into `flat` (laid out by `layout`). */
export function writeWeights(model: Layer, lossLayer: Layer, layout: WeightLayout, flat: Float32Array): void {
  namedWeights(model, lossLayer).forEach(([, t], i) => flat.set(t.dataSync(), layout.entries[i]!.offset));
}

/**
 * Gives the layers the weights in `flat` (new tensors, laid out by `layout`), disposing the tensors they replace.
 */
export function readWeights(model: Layer, lossLayer: Layer, layout: WeightLayout, flat: Float32Array): void {
  const replaced = new Map<Tensor, Tensor>();
  namedWeights(model, lossLayer).forEach(([, t], i) => {
    const e = layout.entries[i]!;
    replaced.set(t, tf.tensor(flat.subarray(e.offset, e.offset + e.size), e.shape as number[], 'float32'));
  });
  const swap = (tree: Weights): Weights => mapTree(tree, (t) => replaced.get(t) ?? t);
  model.weights = swap(model.weights);
  lossLayer.weights = swap(lossLayer.weights);
  tf.dispose([...replaced.keys()]);
}

/** The tensor of each layout entry, in order (to pair gradients with entries). */
export function layoutTensors(model: Layer, lossLayer: Layer): Tensor[] {
  return namedWeights(model, lossLayer).map(([, t]) => t);
}
