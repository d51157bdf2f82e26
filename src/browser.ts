/**
 * trax-ts for the browser (and any other JavaScript runtime): the whole library except the parts that use Node's
 * file system (the training `Loop` and its checkpoints, the NER corpus readers and model directories). The
 * package's `browser` export condition resolves `trax-ts` to this module; Node resolves it to `index.ts`, which
 * adds those parts.
 *
 * The wasm backend fetches its `.wasm` binaries at run time from the folder of the script unless told otherwise:
 * a page served through a bundler copies them from `@tensorflow/tfjs-backend-wasm/dist/` and calls
 * `setWasmPaths(folderUrl)` before the first `useBackend('wasm')`.
 */
export { tf } from './backend/tf.js';
export {
  type BackendName,
  currentBackend,
  useBackend,
  readyBackend,
  installKernelFixes,
  setWasmPaths,
  type WasmBinaryName,
  wasmBackendInfo,
  type WasmBackendInfo,
} from './backend/backends.js';
export { type Key, makeKey, splitKey, foldIn, randomBits, permutation } from './rng/key.js';
export { uniform, normal, bernoulli } from './rng/random.js';
export { Layer, type LayerOptions, type InitOptions, type SharedInits, sharedInits, type WeightsOnlyInit } from './core/base.js';
export { LayerError } from './core/layer_error.js';
export { Fn, FnLayer, type FnOptions, type TensorFn } from './core/fn.js';
export { shapeDtype, signatureOf } from './core/stack.js';
export { flattenTree, treeLeaves, mapTree, disposeTree, disposeReplaced } from './core/tensor_tree.js';
export { namedTensors, treeFromNamed } from './core/named_tensors.js';
export { flattenWeightsAndState, unflattenWeights, unflattenWeightsAndState } from './core/flat_weights.js';
export { nonTrainableWeights } from './core/non_trainable.js';
export type { Tensor, Stack, ShapeDtype, Signature, TensorTree, Weights, State, Mode, InitResult } from './core/types.js';
export { Serial, SerialLayer, namedSerial, serialArity, initInSequence } from './combinators/serial.js';
export { Parallel, ParallelLayer } from './combinators/parallel.js';
export { Branch } from './combinators/branch.js';
export { Residual, type ResidualOptions } from './combinators/residual.js';
export { Select, SelectLayer, Dup, Swap, Drop } from './combinators/select.js';
export { Add, Multiply } from './combinators/arithmetic.js';
export { Concatenate, ConcatenateLayer, Split, SplitLayer } from './combinators/concatenate.js';
export { Chunk, ChunkLayer, type ChunkOptions } from './combinators/chunk.js';
export { BatchLeadingAxes, BatchLeadingAxesLayer } from './combinators/batch_leading_axes.js';
export { Scan, ScanLayer } from './combinators/scan.js';
export { Cond, CondLayer } from './combinators/cond.js';
export { Bidirectional, type BidirectionalOptions } from './combinators/bidirectional.js';
export { SerialWithSideOutputs } from './combinators/serial_with_side_outputs.js';
export { Gate } from './combinators/gate.js';
export { SubtractTop } from './combinators/subtract_top.js';
export { Cache, CacheLayer } from './combinators/cache.js';
export type { LayerLike } from './combinators/sublayer_call.js';
export * from './layers/core/index.js';
export * from './layers/convolution/index.js';
export * from './layers/initializers.js';
export * from './rnn/index.js';
export * from './attention/index.js';
export * from './reversible/index.js';
export * from './models/index.js';
export { CrfLoss, CrfLossLayer, viterbiDecode, viterbiPath, crfMarginals, type CrfParameters } from './layers/crf.js';
export { FastCrfLoss, FastCrfLossLayer } from './layers/fast_crf_loss.js';
export { WeightedCategoryCrossEntropy, CrossEntropyLoss, L2Loss } from './metrics/losses.js';
export { WeightedCategoryAccuracy, Accuracy, SequenceAccuracy } from './metrics/accuracy.js';
export * from './optimizers/index.js';
export * from './training/browser.js';
export * from './io/index.js';
export * from './decoding/index.js';
export { weightFitProblems } from './core/weight_fit.js';
export { loadNamedWeights, type LoadNamedWeightsOptions } from './core/load_named_weights.js';
/** The streaming data pipeline, as `trax.data`: `data.Serial(source, data.Shuffle(...), data.Batch(...))`. */
export * as data from './data/index.js';
/** Named-entity recognition: vocabularies, tag schemes, entity-level evaluation, tokenizer, tagging, loading. */
export * as ner from './ner/browser.js';
