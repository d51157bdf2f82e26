/**
 * The data pipeline: streaming, composable stages over async iterables, in the style of `trax.data`.
 *
 * A pipeline is `Serial(source, ...stages)`; calling it builds the stream. Every stage is deterministic given
 * its keys, which is what makes a stream resumable from a saved position ({@link ResumableStream}).
 */
export { type DataDtype, type NDArray, type Example, type NestedNumbers, ndarray, filled, toNested, padTo, stackPadded, maxShape } from './ndarray.js';
export { type Stream, type StreamFn, type StreamFnLike, Serial } from './stream.js';
export { FromArray, type FromArrayOptions, Generate, Take } from './sources.js';
export { Shuffle } from './shuffle.js';
export { ShuffledEpochs, type ShuffledEpochsOptions } from './shuffled_epochs.js';
export { type LengthOptions } from './length.js';
export { FilterByLength, type FilterByLengthOptions } from './filter_by_length.js';
export { Batch, type BatchOptions, stackExamples } from './batch.js';
export { BucketByLength, type BucketByLengthOptions } from './bucket_by_length.js';
export { PadToLength, PadToMultiple, type PadOptions } from './pad.js';
export { AddLossWeights } from './add_loss_weights.js';
export { ResumableStream, type ResumableStreamOptions, type DataSource } from './resumable.js';
export { toTensor, batchToTensors } from './to_tensors.js';
