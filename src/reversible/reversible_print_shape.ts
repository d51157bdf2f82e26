import { fromList, toList } from '../core/stack.js';
import type { ShapeDtype, Signature, Stack, State, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';

/** Options of {@link ReversiblePrintShape}. @public */
export interface ReversiblePrintShapeOptions {
  /** Number of stack items to show and pass through (default 1). */
  nIn?: number;
  /** Text after `PrintShape:` (default empty). */
  msg?: string;
  /** Where the line goes (default `console.log`). */
  print?: (line: string) => void;
}

/** A shape as Python prints a tuple: `(2, 3)`, `(4,)`, `()`. */
function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * An identity for debugging reversible stacks (Trax's `ReversiblePrintShape`): each forward pass prints
 * `PrintShape: <msg>: [(2, 3)[float32], (2,)[int32]]`, the shapes and dtypes of its `nIn` items, and gives them
 * unchanged; its reverse and backward pass are identities and print nothing. (Trax's prints a single item's rows
 * instead of its shape; this one prints every item's shape.)
 * @public
 */
export class ReversiblePrintShapeLayer extends ReversibleLayer {
  /** The text printed after `PrintShape:`. */
  readonly msg: string;
  private readonly print: (line: string) => void;

  constructor(options: ReversiblePrintShapeOptions = {}) {
    const nIn = options.nIn ?? 1;
    super({ nIn, nOut: nIn, name: 'ReversiblePrintShape' });
    this.msg = options.msg ?? '';
    this.print = options.print ?? ((line) => console.log(line));
  }

  /** The input signature, unchanged. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    return fromList(signature);
  }

  /** Prints the items' shapes and dtypes, then gives the items unchanged. */
  protected forward(inputs: Stack, _weights: Weights, state: State, _rng: Key): [Stack, State] {
    const items = toList(inputs, this.nIn, 'input');
    this.print(`PrintShape: ${this.msg}: [${items.map((x) => `${pythonTuple(x.shape)}[${x.dtype}]`).join(', ')}]`);
    return [inputs, state];
  }

  /** The outputs, which are the inputs; prints nothing. */
  reverse(output: Stack, _weights: Weights, _state: State, _rng: Key): Stack {
    return output;
  }

  /** The outputs and their cotangents, unchanged (an identity); prints nothing. */
  override reverseAndGrad(output: Stack, ct: Stack, _weights: Weights, _state: State, _rng: Key): ReverseAndGradResult {
    return [output, ct, {}];
  }
}

/** Prints the shapes of `nIn` items and passes them on, reversibly (see {@link ReversiblePrintShapeLayer}). @public */
export function ReversiblePrintShape(options: ReversiblePrintShapeOptions = {}): ReversiblePrintShapeLayer {
  return new ReversiblePrintShapeLayer(options);
}
