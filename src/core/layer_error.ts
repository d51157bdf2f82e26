/**
 * An error raised inside a layer, rethrown with the path of the layer (`Serial/1/Dense_128`) and the shapes of
 * its inputs, so that a failure deep in a model names where it happened. The original error is kept as `cause`.
 * @public
 */
export class LayerError extends Error {
  constructor(
    /** Names and sublayer indices from the outermost layer down to the one that failed. */
    readonly path: readonly string[],
    /** The failing layer's inputs, as `(float32[8,10], ...)`. */
    readonly inputShapes: string,
    /** What was being done: `init` (shape inference) or `forward`. */
    readonly phase: 'init' | 'forward',
    /** The innermost error's message. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${phase} failed in layer ${path.join('/')} with inputs ${inputShapes}: ${reason}`, options);
    this.name = 'LayerError';
  }

  /** The same error seen from an enclosing layer or position: `segment` is prepended to the path. */
  within(segment: string): LayerError {
    return new LayerError([segment, ...this.path], this.inputShapes, this.phase, this.reason, { cause: this.cause });
  }
}
