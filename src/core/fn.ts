import { Layer } from './base.js';
import { fromList, toList } from './stack.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from './types.js';
import type { Key } from '../rng/key.js';

/** A weightless function of tensors: returns one tensor, or an array for several outputs. @public */
export type TensorFn = (...inputs: Tensor[]) => Tensor | Tensor[];

/** Options of {@link Fn}. @public */
export interface FnOptions {
  /**
   * Number of inputs. Without it, `nIn` is the function's number of parameters (`f.length`); a function with a
   * default or rest parameter must give it, since JavaScript's `f.length` stops counting at such a parameter.
   */
  nIn?: number;
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
    nIn?: number,
  ) {
    super({ nIn: nIn ?? countedInputs(name, f), nOut, name });
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
 * The number of inputs of `f`, its `length`; refuses a function whose parameter list has a default value or a rest
 * parameter (`f.length` would silently count only the parameters before it), as Trax's `Fn` refuses default and
 * variable arguments.
 */
function countedInputs(name: string, f: TensorFn): number {
  const problem = irregularParameter(f);
  if (problem) {
    throw new TypeError(
      `Fn '${name}': the function has a ${problem} parameter, so its length (${f.length}) does not count its inputs; ` +
        'remove it or pass the number of inputs as options.nIn',
    );
  }
  return f.length;
}

/** `'default'` or `'rest'` when the top level of `f`'s parameter list has such a parameter, else `undefined`. */
function irregularParameter(f: TensorFn): 'default' | 'rest' | undefined {
  const source = Function.prototype.toString.call(f);
  const open = source.indexOf('(');
  const arrow = source.indexOf('=>');
  // `x => ...`: one plain parameter, no parentheses.
  if (open < 0 || (arrow >= 0 && arrow < open)) return undefined;
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return undefined;
    } else if (depth === 1 && c === '.' && source.startsWith('...', i)) return 'rest';
    else if (depth === 1 && c === '=' && source[i + 1] !== '>' && source[i + 1] !== '=' && source[i - 1] !== '=') return 'default';
  }
  return undefined;
}

/**
 * A layer from a weightless function; `nIn` is the function's number of parameters (or `options.nIn`, which a
 * function with a default or rest parameter must give), `nOut` is given (default 1).
 *
 * @example
 * ```ts
 * const addOne = Fn('AddOne', (x) => x.add(1));
 * const sumAndDiff = Fn('SumAndDiff', (a, b) => [a.add(b), a.sub(b)], 2);
 * ```
 * @public
 */
export function Fn(name: string, f: TensorFn, nOut = 1, options: FnOptions = {}): FnLayer {
  if (options.nIn !== undefined && (!Number.isInteger(options.nIn) || options.nIn < 0)) {
    throw new RangeError(`Fn '${name}': nIn must be a non-negative integer, got ${options.nIn}`);
  }
  return new FnLayer(name, f, nOut, options.outputSignature, options.nIn);
}
