import { tf } from '../backend/tf.js';
import type { Layer } from '../core/base.js';
import { shapeDtype } from '../core/stack.js';
import { disposeReplaced, mapTree, treeLeaves } from '../core/tensor_tree.js';
import type { State, Tensor, Weights } from '../core/types.js';
import { type Key, makeKey } from '../rng/key.js';

/** Options of a decoding run that concern the model. @public */
export interface PredictRunOptions {
  /**
   * The most positions the run will feed, which the predict-mode state is made for (default: what the run needs,
   * `1 + prefix length + length`). The model's own limits still apply (its `PositionalEncoding`'s `maxLen`).
   */
  maxLen?: number;
  /** Prompt positions fed per call while the prompt is read (default 256): bounds the `[n, t]` attention scores. */
  prefillChunk?: number;
  /**
   * The key the model runs with at every call (default `makeKey(0)`). Predict mode has no dropout; the key matters
   * to layers that draw from it, as LSH attention draws its rotations, and is the same at every call so that the
   * cached run is the growing-prefix run.
   */
  modelRng?: Key;
}

/**
 * A model in mode `predict` with a fresh state: feeds token ids and gives the log-probabilities of the last
 * position. Its state (the attention caches, positions, carries) lives here, not in the model, so that decoding
 * leaves the model as it was; `dispose` frees it.
 * @public
 */
export class PredictRun {
  private state: State;
  private readonly weights: Weights;
  private readonly rng: Key;
  private readonly prefillChunk: number;
  private fed = 0;

  constructor(
    private readonly model: Layer,
    /** The number of sequences decoded side by side: the rows each `feed` takes. */
    readonly batch: number,
    /** The most positions the run holds (its caches' length); feeding past it is a `RangeError`. */
    readonly maxLen: number,
    options: PredictRunOptions = {},
  ) {
    const who = 'decoding';
    if (model.mode !== 'predict') {
      throw new Error(
        `${who}: the model must be in mode 'predict' (build it with mode 'predict', or set model.mode = 'predict' before init), got '${model.mode}'`,
      );
    }
    if (!model.initialized) throw new Error(`${who}: the model has no weights; init it (in mode 'predict') or set its weights first`);
    if (model.nIn !== 1 || model.nOut !== 1)
      throw new Error(`${who}: the model must map token ids to log-probabilities (1 -> 1), it is ${model.nIn} -> ${model.nOut}`);
    this.prefillChunk = options.prefillChunk ?? 256;
    if (!Number.isInteger(this.prefillChunk) || this.prefillChunk < 1)
      throw new RangeError(`${who}: prefillChunk must be a positive integer, got ${this.prefillChunk}`);
    this.weights = model.weights;
    this.rng = options.modelRng ?? makeKey(0);
    this.state = freshPredictState(model, batch, maxLen);
  }

  /**
   * Feeds `ids` (one equally long row per batch item) and returns the log-probabilities `[batch][vocab]` of the
   * position after the last one fed. With `every`, returns those of every position fed instead, `[n][batch][vocab]`.
   */
  feed(ids: readonly (readonly number[])[]): Float32Array[];
  /** Feeds `ids` and returns the log-probabilities `[n][batch][vocab]` of every position fed (see above). */
  feed(ids: readonly (readonly number[])[], every: true): Float32Array[][];
  feed(ids: readonly (readonly number[])[], every = false): Float32Array[] | Float32Array[][] {
    const n = ids[0]?.length ?? 0;
    if (ids.length !== this.batch || n < 1 || ids.some((row) => row.length !== n)) {
      throw new Error(
        `decoding: expected ${this.batch} rows of equal, non-zero length, got lengths [${ids.map((r) => r.length).join(', ')}]`,
      );
    }
    if (this.fed + n > this.maxLen) throw new RangeError(`decoding: ${this.fed + n} positions exceed the run's maxLen ${this.maxLen}`);
    const all: Float32Array[][] = [];
    for (let at = 0; at < n; at += this.prefillChunk) {
      const m = Math.min(this.prefillChunk, n - at);
      const input = tf.tensor2d(
        ids.flatMap((row) => row.slice(at, at + m)),
        [this.batch, m],
        'int32',
      );
      const [out, next] = this.model.pureFn(input, this.weights, this.state, this.rng);
      input.dispose();
      this.replaceState(next);
      const logits = out as Tensor;
      if (logits.rank !== 3 || logits.shape[0] !== this.batch || logits.shape[1] !== m) {
        logits.dispose();
        throw new Error(`decoding: the model must give [batch, length, vocab] for [batch, length] ids, got [${logits.shape.join(', ')}]`);
      }
      const from = every ? 0 : m - 1;
      const rows = tf.tidy(() => tf.logSoftmax(tf.slice(logits, [0, from, 0], [this.batch, m - from, logits.shape[2]!])));
      logits.dispose();
      const vocab = rows.shape[2]!;
      const values = rows.dataSync() as Float32Array;
      rows.dispose();
      for (let i = 0; i < m - from; i++) {
        all.push(
          Array.from({ length: this.batch }, (_, b) => values.slice((b * (m - from) + i) * vocab, (b * (m - from) + i + 1) * vocab)),
        );
      }
      this.fed += m;
    }
    return every ? all : all[all.length - 1]!;
  }

  /**
   * Reorders the batch: row `i` of the state becomes the old row `parents[i]` (beam search). State leaves whose
   * first axis is a multiple of the batch are taken as batch-major (`[batch * m, ...]`, as the caches, carries and
   * buckets are); others (positions, limits) are shared by all rows and kept.
   */
  reorder(parents: readonly number[]): void {
    if (parents.length !== this.batch) throw new Error(`decoding: reorder needs ${this.batch} parents, got ${parents.length}`);
    const next = mapTree(this.state, (t) => {
      if (t.rank === 0 || t.size === 0 || t.shape[0] % this.batch !== 0) return t;
      const m = t.shape[0] / this.batch;
      const index = tf.tensor1d(
        parents.flatMap((p) => Array.from({ length: m }, (_, j) => p * m + j)),
        'int32',
      );
      const gathered = tf.gather(t, index, 0);
      index.dispose();
      return gathered;
    });
    this.replaceState(next);
  }

  /** Frees the run's state. */
  dispose(): void {
    for (const t of treeLeaves(this.state)) t.dispose();
    this.state = {};
  }

  private replaceState(next: State): void {
    disposeReplaced(this.state, next);
    this.state = next;
  }
}

/**
 * A fresh predict-mode state of `model` for `batch` sequences of up to `maxLen` positions: the state that
 * initialising it with the signature int32 `[batch, maxLen]` makes (empty caches, position 0), without touching
 * its weights (weights made on the way are freed).
 * @public
 */
export function freshPredictState(model: Layer, batch: number, maxLen: number): State {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`decoding: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError(`decoding: maxLen must be a positive integer, got ${maxLen}`);
  const made = model.initialize(shapeDtype([batch, maxLen], 'int32'), makeKey(0), new Map());
  disposeReplaced(made.weights, { weights: model.weights, state: made.state });
  return made.state;
}
