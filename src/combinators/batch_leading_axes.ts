import { Layer, type SharedInits } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Weights } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { atSublayer } from './sublayer_call.js';

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Runs a layer that expects inputs of rank `nLastAxesToKeep + 1` on inputs with any number of leading axes:
 * the leading axes are flattened into one batch axis before the layer and restored after it. All inputs must
 * share the same leading axes; the layer must give one output.
 * @public
 */
export class BatchLeadingAxesLayer extends Layer {
  constructor(
    layer: Layer,
    /** The number of trailing axes the layer sees; the axes before them are batched. */
    readonly nLastAxesToKeep: number,
  ) {
    if (layer.nOut !== 1)
      throw new Error(`BatchLeadingAxes: works only for layers with one output (as Trax), ${layer.name} gives ${layer.nOut}`);
    super({ nIn: layer.nIn, nOut: layer.nOut, name: `BatchLeadingAxes_${layer.name}`, sublayers: [layer] });
  }

  private leading(shapes: readonly (readonly number[])[]): number[] {
    const first = shapes[0]!;
    if (first.length <= this.nLastAxesToKeep) {
      throw new Error(`BatchLeadingAxes: input of rank ${first.length} has no leading axes beyond the last ${this.nLastAxesToKeep}`);
    }
    const lead = first.slice(0, first.length - this.nLastAxesToKeep);
    for (const s of shapes) {
      const other = s.slice(0, s.length - this.nLastAxesToKeep);
      if (other.join(',') !== lead.join(','))
        throw new Error(`BatchLeadingAxes: inputs have different leading axes [${lead}] and [${other}]`);
    }
    return lead;
  }

  private flat(shape: readonly number[], lead: readonly number[]): number[] {
    return [product(lead), ...shape.slice(lead.length)];
  }

  /**
   * Initialises the sublayer on the inputs with their leading axes flattened into one, and restores those axes in
   * the output signature.
   */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const lead = this.leading(signature.map((s) => s.shape));
    const inner = signature.map((s) => ({ shape: this.flat(s.shape, lead), dtype: s.dtype }));
    const made = atSublayer(0, () => this.sublayers[0]!.initialize(fromList(inner), rng, shared));
    const outs = toList<ShapeDtype>(made.outputSignature, this.nOut, 'output');
    const outputSignature = fromList(outs.map((s) => ({ shape: [...lead, ...s.shape.slice(1)], dtype: s.dtype })));
    return { weights: { 0: made.weights }, state: { 0: made.state }, outputSignature };
  }

  /**
   * Flattens the inputs' shared leading axes into one batch axis, runs the sublayer, and reshapes its outputs back.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const items = toList(inputs, this.nIn, 'input');
    const lead = this.leading(items.map((x) => x.shape));
    const flat = fromList(items.map((x) => x.reshape(this.flat(x.shape, lead))));
    const [out, newState] = atSublayer(0, () => this.sublayers[0]!.pureFn(flat, weights[0] as Weights, state[0] as State, rng));
    const restored = toList(out, this.nOut, 'output').map((y) => y.reshape([...lead, ...y.shape.slice(1)]));
    return [fromList(restored), { 0: newState }];
  }
}

/** Flattens all but the last `nLastAxesToKeep` axes into a batch axis around `layer`. @public */
export function BatchLeadingAxes(layer: Layer, nLastAxesToKeep = 1): BatchLeadingAxesLayer {
  return new BatchLeadingAxesLayer(layer, nLastAxesToKeep);
}
