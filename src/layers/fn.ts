import { Layer } from './base.js';
import { fromList, toList } from './stack.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from './types.js';
import type { Key } from '../rng/key.js';

/** A weightless function of tensors: returns one tensor, or an array for several outputs. @public */
export type TensorFn = (...inputs: Tensor[]) => Tensor | Tensor[];

/** Options of {@link Fn}. @public */
export interface FnOptions {
  /**
   * The output signature for an input signature. Without it, the function is evaluated once on zeros to infer
   * the output shape.
   */
  outputSignature?: (...inputs: ShapeDtype[]) => Signature;
}

/** A weightless layer made from a function. @public */
export class FnLayer extends Layer {
  constructor(
    name: string,
    private readonly f: TensorFn,
    nOut: number,
    private readonly shapeFn?: (...inputs: ShapeDtype[]) => Signature,
  ) {
    super({ nIn: f.length, nOut, name });
  }

  /** From the `outputSignature` option when given, else by running the function once on zeros. */
  protected override outputSignature(signature: ShapeDtype[], weights: Weights, state: State): Signature {
    return this.shapeFn ? this.shapeFn(...signature) : super.outputSignature(signature, weights, state);
  }

  /** The function applied to the inputs as separate arguments; an array it returns is several outputs. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const outputs = this.f(...toList(inputs, this.nIn, 'input'));
    const list = Array.isArray(outputs) ? outputs : [outputs];
    return [fromList(list), state];
  }
}

/**
 * A layer from a weightless function; `nIn` is the function's number of parameters, `nOut` is given (default 1).
 *
 * @example
 * ```ts
 * const addOne = Fn('AddOne', (x) => x.add(1));
 * const sumAndDiff = Fn('SumAndDiff', (a, b) => [a.add(b), a.sub(b)], 2);
 * ```
 * @public
 */
export function Fn(name: string, f: TensorFn, nOut = 1, options: FnOptions = {}): FnLayer {
  return new FnLayer(name, f, nOut, options.outputSignature);
}
