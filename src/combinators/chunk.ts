import { tf } from '../backend/tf.js';
import { Layer, type SharedInits } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Tensor, Weights } from '../core/types.js';
import { foldIn, type Key } from '../rng/key.js';
import { atSublayer } from './sublayer_call.js';
import { refuseUnknownOptions } from '../core/options.js';

/** Options of {@link Chunk}. @public */
export interface ChunkOptions {
  /**
   * What a batch that `chunkSize` does not divide does: run unchunked (true, the default, as Trax's
   * `pass_unchunkable`), or fail with an error naming both sizes (false).
   */
  passUnchunkable?: boolean;
}

/**
 * Runs a layer on slices of the batch (axis 0) of `chunkSize` items at a time and concatenates the results, to
 * bound the size of intermediate tensors. The result equals the unchunked layer's for layers that treat batch
 * items independently. A batch that `chunkSize` does not divide runs unchunked, unless `passUnchunkable` is false.
 * @public
 */
export class ChunkLayer extends Layer {
  /** Whether a batch that `chunkSize` does not divide runs unchunked (else it is a `RangeError`). */
  readonly passUnchunkable: boolean;

  constructor(
    layer: Layer,
    /** The number of batch items the layer runs on at a time. */
    readonly chunkSize: number,
    options: ChunkOptions = {},
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1)
      throw new RangeError(`Chunk: chunkSize must be a positive integer, got ${chunkSize}`);
    super({ nIn: layer.nIn, nOut: layer.nOut, name: 'Chunk', sublayers: [layer] });
    this.passUnchunkable = options.passUnchunkable ?? true;
  }

  /** Initialises the sublayer on the whole signature: chunking changes neither weights nor output signature. */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const made = atSublayer(0, () => this.sublayers[0]!.initialize(fromList(signature), rng, shared));
    return { weights: { 0: made.weights }, state: { 0: made.state }, outputSignature: made.outputSignature };
  }

  /**
   * Runs the sublayer on `batch / chunkSize` slices of axis 0 in turn (chunk `c` with key `foldIn(rng, c)`, the
   * state threaded through) and concatenates the outputs; a batch of at most `chunkSize` items runs whole, and so
   * does one that `chunkSize` does not divide, unless `passUnchunkable` is false (then it is a `RangeError`).
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const layer = this.sublayers[0]!;
    const items = toList(inputs, this.nIn, 'input');
    const w = weights[0] as Weights;
    let s = state[0] as State;
    const batch = items[0]?.shape[0] ?? 0;
    if (batch % this.chunkSize !== 0 && !this.passUnchunkable) {
      throw new RangeError(`Chunk: chunk size ${this.chunkSize} must divide the batch size ${batch} (passUnchunkable is false)`);
    }
    if (batch <= this.chunkSize || batch % this.chunkSize !== 0) {
      const [out, newState] = atSublayer(0, () => layer.pureFn(inputs, w, s, rng));
      return [out, { 0: newState }];
    }
    const nChunks = batch / this.chunkSize;
    const pieces = items.map((x) => tf.split(x, nChunks, 0));
    const outputs: Tensor[][] = [];
    for (let c = 0; c < nChunks; c++) {
      const chunkInputs = fromList(pieces.map((p) => p[c]!));
      const [out, newState] = atSublayer(0, () => layer.pureFn(chunkInputs, w, s, foldIn(rng, c)));
      s = newState;
      outputs.push(toList(out, layer.nOut, 'output'));
    }
    const joined = Array.from({ length: layer.nOut }, (_, k) =>
      tf.concat(
        outputs.map((o) => o[k]!),
        0,
      ),
    );
    return [fromList(joined), { 0: s }];
  }
}

/**
 * Runs `layer` on batch chunks of `chunkSize` items (see {@link ChunkLayer}); a `chunkSize` of 0 means no chunking
 * and returns `layer` itself, as in Trax.
 * @public
 */
export function Chunk(layer: Layer, chunkSize: number, options: ChunkOptions = {}): Layer {
  refuseUnknownOptions('Chunk', options, ['passUnchunkable']);
  if (chunkSize === 0) return layer;
  return new ChunkLayer(layer, chunkSize, options);
}
