/**
 * Language-model batches `(inputs, targets, weights)` of character windows: the model shifts its input right
 * itself, so inputs and targets are the same window, weights all 1.
 */
import { data, foldIn, makeKey, randomBits } from '../../src/index.js';

type LabeledBatch = data.NDArray[];

function batchOf(ids: Int32Array, starts: readonly number[], seqLen: number): LabeledBatch {
  const tokens = new Int32Array(starts.length * seqLen);
  starts.forEach((s, b) => tokens.set(ids.subarray(s, s + seqLen), b * seqLen));
  const shape = [starts.length, seqLen];
  return [
    { dtype: 'int32', shape, data: tokens },
    { dtype: 'int32', shape, data: tokens },
    { dtype: 'float32', shape, data: new Float32Array(tokens.length).fill(1) },
  ];
}

/**
 * Endless training batches: batch `i` takes `batchSize` windows of `seqLen` characters at offsets drawn with the
 * key `foldIn(makeKey(seed), i)`, so any batch can be remade from its index (exact resume, cheap replay).
 */
export function trainingBatches(ids: Int32Array, seqLen: number, batchSize: number, seed: number): data.StreamFn<unknown, LabeledBatch> {
  if (ids.length < seqLen) throw new RangeError(`the training text has ${ids.length} characters, fewer than --seq-len ${seqLen}`);
  const key = makeKey(seed);
  const span = ids.length - seqLen + 1;
  return data.Generate((i) =>
    batchOf(
      ids,
      Array.from(randomBits(foldIn(key, i), batchSize), (r) => r % span),
      seqLen,
    ),
  );
}

/** The first `maxWindows` non-overlapping windows of the held-out text, `batchSize` a batch (the last may be smaller). */
export function heldOutBatches(ids: Int32Array, seqLen: number, batchSize: number, maxWindows = Infinity): LabeledBatch[] {
  const windows = Math.min(Math.floor(ids.length / seqLen), maxWindows);
  if (windows < 1) throw new RangeError(`the held-out text has ${ids.length} characters, fewer than --seq-len ${seqLen}`);
  const batches: LabeledBatch[] = [];
  for (let w = 0; w < windows; w += batchSize) {
    batches.push(
      batchOf(
        ids,
        Array.from({ length: Math.min(batchSize, windows - w) }, (_, b) => (w + b) * seqLen),
        seqLen,
      ),
    );
  }
  return batches;
}
