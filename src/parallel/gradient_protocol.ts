/** The messages between a `DataParallelTrainer` and its gradient workers (`serveGradients`). */
import type { NDArray } from '../data/ndarray.js';
import type { LayoutEntry } from './weight_layout.js';

/** What each gradient worker's init receives. */
export interface GradientWorkerInit<Init> {
  /** The value the replica's build function gets (the trainer's `init` option). */
  readonly replica: Init;
  /** The backend the main thread trains on; each worker uses the same. */
  readonly backend: string;
  /** The main thread's weight layout, which the replica's must equal. */
  readonly layout: { readonly entries: readonly LayoutEntry[]; readonly size: number };
  /** The weights of every step, written by the main thread before it sends the step (float32, `layout.size`). */
  readonly weights: SharedArrayBuffer;
  /** The gradients each worker writes (float32, `layout.size` per worker, worker `i` at `i * layout.size`). */
  readonly gradients: SharedArrayBuffer;
}

/** One step's shard for a worker. */
export interface GradientRequest {
  /** The shard: the model's inputs, then the loss layer's other inputs. */
  readonly batch: NDArray[];
  /** The shard's random key. */
  readonly rng: readonly [number, number];
  /** The shard's share of the batch's loss weights: its loss and gradients are multiplied by it. */
  readonly scale: number;
}

/** A worker's answer: its shard's loss times the scale (its gradients are in the shared memory). */
export interface GradientReply {
  readonly loss: number;
}
