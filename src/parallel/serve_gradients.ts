/**
 * The worker side of data-parallel training: a module started by a `DataParallelTrainer` calls `serveGradients`
 * once, at its top level, with a function that builds the replica (the same model and loss layer as the main
 * thread's). For each step the worker reads the main thread's weights from shared memory, computes its shard's loss
 * and gradients, scaled by the shard's share of the batch, and writes them into its part of the shared gradients.
 */
import { useBackend, type BackendName } from '../backend/backends.js';
import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { flattenTree, treeLeaves } from '../core/tensor_tree.js';
import { toList } from '../core/stack.js';
import type { ShapeDtype } from '../core/types.js';
import type { NDArray } from '../data/ndarray.js';
import { batchToTensors } from '../data/to_tensors.js';
import { stepGradients } from '../training/train_step.js';
import type { GradientReply, GradientRequest, GradientWorkerInit } from './gradient_protocol.js';
import { serveWorker, type WorkerInfo } from './serve_worker.js';
import { layoutProblems, layoutTensors, readWeights, weightLayout, type WeightLayout } from './weight_layout.js';

/** A replica of the trained model and its loss layer, built the same way as the main thread's (weights are synced). @public */
export interface GradientReplica {
  /** The model, built as the trained one (its weights are replaced by the main thread's before every step). */
  readonly model: Layer;
  /** The loss layer after it. */
  readonly lossLayer: Layer;
}

interface Replica extends GradientReplica {
  /** The layout, once the replica is initialised (from the first shard's shapes). */
  layout: WeightLayout | undefined;
  readonly expected: WeightLayout;
  readonly weights: Float32Array;
  readonly gradients: Float32Array;
}

/** Initialises the replica from a shard's shapes (as the main thread's model was from its batches') and checks its layout. */
function initReplica(replica: Replica, batch: readonly NDArray[]): WeightLayout {
  const { model, lossLayer } = replica;
  const signature: ShapeDtype[] = batch.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
  const single = (s: ShapeDtype[]): ShapeDtype | ShapeDtype[] => (s.length === 1 ? s[0]! : s);
  const { outputSignature } = model.init(single(signature.slice(0, model.nIn)));
  const lossInputs = [...toList<ShapeDtype>(outputSignature, model.nOut, 'output'), ...signature.slice(model.nIn)].slice(0, lossLayer.nIn);
  lossLayer.init(single(lossInputs));
  const layout = weightLayout(model, lossLayer);
  const problems = layoutProblems(replica.expected, layout);
  if (problems.length > 0) {
    throw new Error(`the gradient worker's replica does not have the trained model's weights:\n  ${problems.join('\n  ')}`);
  }
  return layout;
}

/**
 * Serves a `DataParallelTrainer` from this worker thread: `build` makes the replica from the trainer's `init`
 * value (its weights need not match: the main thread's are copied in before every step).
 *
 * @example
 * ```ts
 * // tagger_gradients.ts, given to `Loop(..., { dataParallel: { workers: 2, module: new URL('./tagger_gradients.js', import.meta.url) } })`
 * serveGradients(() => ({ model: Serial(Embedding(100, 16), Dense(4), LogSoftmax()), lossLayer: CrossEntropyLoss() }));
 * ```
 * @public
 */
export function serveGradients<Init>(build: (init: Init, worker: WorkerInfo) => GradientReplica | Promise<GradientReplica>): void {
  serveWorker<GradientWorkerInit<Init>, GradientRequest, GradientReply, Replica>({
    async init(start, worker) {
      await useBackend(start.backend as BackendName);
      const { model, lossLayer } = await build(start.replica, worker);
      const size = start.layout.size;
      const gradients = new Float32Array(start.gradients, worker.index * size * 4, size);
      return { model, lossLayer, layout: undefined, expected: start.layout, weights: new Float32Array(start.weights), gradients };
    },
    handle(request, replica) {
      const { model, lossLayer } = replica;
      const layout = (replica.layout ??= initReplica(replica, request.batch));
      readWeights(model, lossLayer, layout, replica.weights);
      const batch = batchToTensors(request.batch);
      const state = model.state;
      try {
        const g = stepGradients({
          model,
          lossLayer,
          batch,
          weights: { model: model.weights, loss: lossLayer.weights },
          state,
          rng: request.rng,
          step: 0,
        });
        try {
          layoutTensors(model, lossLayer).forEach((t, i) => {
            const e = layout.entries[i]!;
            const out = replica.gradients.subarray(e.offset, e.offset + e.size);
            const grad = g.grads.get(t);
            if (!grad) return out.fill(0);
            const values = grad.dataSync();
            for (let k = 0; k < e.size; k++) out[k] = values[k]! * request.scale;
          });
          return { loss: g.loss * request.scale };
        } finally {
          tf.dispose([...g.grads.values()]);
          const kept = new Set(treeLeaves(state));
          tf.dispose(
            flattenTree(g.state)
              .map(([, t]) => t)
              .filter((t) => !kept.has(t)),
          );
        }
      } finally {
        tf.dispose(batch);
      }
    },
  });
}
