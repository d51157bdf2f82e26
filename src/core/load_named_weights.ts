/**
 * The one way to give a layer weights keyed by path (browser-safe): checkpoints, exported taggers, safetensors
 * files and PyTorch imports all load through {@link loadNamedWeights}, so they check, refuse and report alike.
 */
import type { Layer } from './base.js';
import { disposeTree } from './tensor_tree.js';
import { namedTensors, treeFromNamed } from './named_tensors.js';
import type { Tensor } from './types.js';
import { weightFitProblems } from './weight_fit.js';

/** Options of {@link loadNamedWeights}. @public */
export interface LoadNamedWeightsOptions {
  /** Where the tensors come from, for messages (`the safetensors file`, `checkpoint runs/a/best`); default `the file`. */
  readonly source?: string;
  /**
   * The prefix of the layer's paths in `named` (`loss/0/` for a training loop's first loss layer); paths that do
   * not start with it are not looked at. Default none.
   */
  readonly prefix?: string;
  /**
   * Paths under `prefix` that the layer does not have: `refuse` them (the default, an exact fit) or `ignore` them
   * (a checkpoint that also holds other layers' tensors).
   */
  readonly unknownPaths?: 'refuse' | 'ignore';
  /** Builds the error thrown on a misfit (default a plain `Error`), so that each loader keeps its own error class. */
  readonly error?: (message: string) => Error;
}

/**
 * Replaces an initialised layer's weights by tensors keyed by weight path (`Serial/0/Dense_128/w`, see
 * `namedTensors`), after checking them all: every path of the layer must be there (after `prefix`) with its shape
 * and dtype, and, unless `unknownPaths` is `ignore`, no other path. Otherwise nothing changes and the error lists
 * each mismatch with its path, both dtypes and both shapes (see `weightFitProblems`).
 *
 * On success the layer owns the tensors it took from `named` (returned, so that the caller can free the others)
 * and its previous weights are disposed; on failure the caller still owns all of `named`.
 *
 * @example
 * ```ts
 * const model = Serial(Dense(4), Relu(), Dense(2));
 * model.init({ shape: [1, 3], dtype: 'float32' });
 * const used = loadNamedWeights(model, tensorsByPath, { source: 'weights.bin' });
 * tf.dispose([...tensorsByPath.values()].filter((t) => !used.has(t)));
 * ```
 * @public
 */
export function loadNamedWeights(layer: Layer, named: ReadonlyMap<string, Tensor>, options: LoadNamedWeightsOptions = {}): Set<Tensor> {
  const { source = 'the file', prefix = '', unknownPaths = 'refuse', error = (message: string) => new Error(message) } = options;
  if (!layer.initialized) {
    throw error(
      `loading ${source}: the layer ${layer.name} has no weights yet; call layer.init(inputSignature) first, so that its weight paths and shapes are known`,
    );
  }
  const previous = layer.weights;
  const expected = namedTensors(layer, previous);
  const found = new Map<string, Tensor>();
  for (const [p, t] of named) {
    if (!p.startsWith(prefix)) continue;
    const own = p.slice(prefix.length);
    if (unknownPaths === 'refuse' || expected.has(own)) found.set(own, t);
  }
  const problems = weightFitProblems('weight', found, expected, source);
  if (problems.length > 0) throw error(`the weights of ${source} do not fit the model ${layer.name}:\n  ${problems.join('\n  ')}`);
  const used = new Set<Tensor>();
  layer.weights = treeFromNamed(layer, previous, (p) => {
    const t = found.get(p)!;
    used.add(t);
    return t;
  });
  disposeTree(previous);
  return used;
}
