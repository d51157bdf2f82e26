import { tf } from '../backend/tf.js';
import { initInSequence, serialArity, SerialLayer } from '../combinators/serial.js';
import { Layer, type SharedInits } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import type { InitResult, ShapeDtype, Stack, State, Tensor, Weights } from '../core/types.js';
import { type Key, splitKey } from '../rng/key.js';
import { atSublayer, flattenLayers, type LayerLike, subtree } from '../combinators/sublayer_call.js';
import { type Residue, ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';
import { differentiableLeaves, gradientTree, isDifferentiable, view } from './tensor_lifetimes.js';
import { refuseUnknownOptions } from '../core/options.js';
import { vjp } from './vjp.js';

/** Options of {@link ReversibleHalfResidual}. @public */
export interface ReversibleHalfResidualOptions {
  /**
   * A layer run after the residual layers on what they leave on the stack, typically attention that takes a
   * context such as `(x, mask)` and gives `(y, mask)`; the residual is the top item it leaves.
   */
  attentionLayer?: Layer;
  /** Display name (default `ReversibleHalfResidual`). */
  name?: string;
}

/**
 * Half of a RevNet-style residual (Trax's `ReversibleHalfResidual`):
 * `accumulator, ...context -> accumulator + F(context), ...context`, where `F` is the residual layers (then the
 * attention layer, if given) applied with stack semantics to the context. The context passes through unchanged,
 * so the input is recovered from the output as `accumulator = output - F(context)`.
 *
 * Its backward pass recomputes `F` from the context (with the forward pass's random key, so dropout recomputes
 * identically) and differentiates that recomputation; nothing from the forward pass is kept, except the hash buckets
 * of an attention layer that hashes (LSH attention: one with `hashBuckets` and `forwardWithBuckets`), which the
 * recomputation reuses (see {@link ReversibleLayer.forwardWithResidue}).
 * @public
 */
export class ReversibleHalfResidualLayer extends ReversibleLayer {
  constructor(residual: Layer, attention: Layer | undefined, name = 'ReversibleHalfResidual') {
    const branch = attention ? [residual, attention] : [residual];
    const [nIn] = serialArity(branch);
    super({ nIn: nIn + 1, nOut: nIn + 1, name, sublayers: branch });
    for (const layer of branch) {
      if (layer.nOut < 1) throw new Error(`${name}: the branch layer ${layer.name} gives no output to add as the residual`);
    }
  }

  /**
   * Initialises the branch on the context and checks that its residual has the accumulator's shape; the output
   * signature is the input's.
   */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const [accumulator, ...context] = signature;
    const { weights, state, stack } = initInSequence(this.sublayers, context, rng, shared);
    const residual = stack[0]!;
    if (residual.shape.join(',') !== accumulator!.shape.join(',')) {
      throw new Error(
        `${this.name}: the residual branch gives shape [${residual.shape.join(',')}] but the accumulator has shape [${accumulator!.shape.join(',')}]`,
      );
    }
    return { weights, state, outputSignature: fromList(signature) };
  }

  /**
   * The residual `F(context)`, the branch's new state, and the attention layer's hash buckets when it hashes
   * (LSH attention): `buckets` given are used instead of hashing; with `recordBuckets` the buckets of this pass are
   * returned.
   */
  private residual(
    context: Tensor[],
    weights: Weights,
    state: State,
    rng: Key,
    buckets?: Tensor,
    recordBuckets = false,
  ): { residual: Tensor; state: State; buckets?: Tensor } {
    let stack = context;
    const keys = splitKey(rng, this.sublayers.length);
    const newState: State = {};
    let used: Tensor | undefined;
    this.sublayers.forEach((layer, i) => {
      const inputs = fromList(stack.slice(0, layer.nIn));
      const w = subtree(weights, i, this, 'weights');
      const s = subtree(state, i, this, 'state');
      const [out, ns] = atSublayer(i, (): [Stack, State] => {
        if (i === 1 && isBucketed(layer) && (buckets || recordBuckets)) {
          used = buckets ?? layer.hashBuckets(inputs, w, keys[i]!);
          return [layer.forwardWithBuckets(inputs, w, keys[i]!, used), s];
        }
        return layer.pureFn(inputs, w, s, keys[i]!);
      });
      stack = [...toList(out, layer.nOut, 'output'), ...stack.slice(layer.nIn)];
      newState[i] = ns;
    });
    return { residual: stack[0]!, state: newState, ...(recordBuckets && used ? { buckets: used } : {}) };
  }

  /** `accumulator + F(context), ...context`. */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const [accumulator, ...context] = toList(inputs, this.nIn, 'input');
    const { residual, state: newState } = this.residual(context, weights, state, rng);
    return [fromList([tf.add(accumulator!, residual), ...context]), newState];
  }

  /** The forward pass, leaving the attention layer's hash buckets (if it hashes) as the residue `{ buckets }`. */
  override forwardWithResidue(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State, Residue] {
    return this.withContext(inputs, () => {
      const [accumulator, ...context] = toList(inputs, this.nIn, 'input');
      const r = this.residual(context, weights, state, rng, undefined, true);
      const residue: Residue = r.buckets ? { buckets: r.buckets } : {};
      return [fromList([tf.add(accumulator!, r.residual), ...context]), r.state, residue] as [Stack, State, Residue];
    });
  }

  /**
   * The input from the output: `accumulator = output - F(context)`, recomputing `F` with the forward pass's key (and
   * hash buckets).
   */
  reverse(output: Stack, weights: Weights, state: State, rng: Key, residue?: Residue): Stack {
    return this.withContext(output, () => {
      const [accumulator, ...context] = toList(output, this.nOut, 'output');
      const { residual } = this.residual(context, weights, state, rng, bucketsOf(residue));
      return fromList([tf.sub(accumulator!, residual), ...context]);
    });
  }

  /**
   * Reconstructs the input and propagates `ct`: the accumulator's cotangent passes through, and the context's and
   * the weights' get the vector-Jacobian product of the recomputed `F` added.
   */
  override reverseAndGrad(output: Stack, ct: Stack, weights: Weights, state: State, rng: Key, residue?: Residue): ReverseAndGradResult {
    return this.withContext(output, () => {
      const [accumulator, ...context] = toList(output, this.nOut, 'output');
      const [accumulatorCt, ...contextCt] = toList(ct, this.nOut, 'cotangent');
      // Each context position gets its own tensor object so that its gradient is its own (an item may appear twice).
      const ctx = context.map((x, i) => (context.indexOf(x) < i ? view(x) : x));
      const diff = ctx.filter(isDifferentiable);
      const leaves = differentiableLeaves(weights);
      const buckets = bucketsOf(residue);
      const {
        outputs: [residual],
        grads,
      } = vjp(() => [this.residual(ctx, weights, state, rng, buckets).residual], [...diff, ...leaves], [accumulatorCt!]);
      const gradOf = new Map<Tensor, Tensor>(diff.map((x, i) => [x, grads[i]!]));
      const inputCts = contextCt.map((c, i) => {
        const g = gradOf.get(ctx[i]!);
        return g ? tf.add(c, g) : c;
      });
      const gradOfLeaf = new Map<Tensor, Tensor>(leaves.map((w, i) => [w, grads[diff.length + i]!]));
      return [
        fromList([tf.sub(accumulator!, residual!), ...context]),
        fromList([accumulatorCt!, ...inputCts]),
        gradientTree(weights, gradOfLeaf),
      ] as ReverseAndGradResult;
    });
  }
}

/**
 * An attention layer that can report the hash buckets of a forward pass and recompute with given buckets (LSH
 * attention): the half residual then reuses the forward pass's buckets in its backward pass, so that a query on a
 * bucket boundary cannot change bucket because its reconstructed input differs in the last bits.
 */
interface BucketedAttention {
  hashBuckets(inputs: Stack, weights: Weights, rng: Key): Tensor;
  forwardWithBuckets(inputs: Stack, weights: Weights, rng: Key, buckets: Tensor): Stack;
}

function isBucketed(layer: Layer): layer is Layer & BucketedAttention {
  const l = layer as Partial<BucketedAttention>;
  return typeof l.hashBuckets === 'function' && typeof l.forwardWithBuckets === 'function';
}

function bucketsOf(residue: Residue | undefined): Tensor | undefined {
  const b = residue?.['buckets'];
  return b instanceof tf.Tensor ? b : undefined;
}

/**
 * `accumulator, ...context -> accumulator + F(context), ...context`, with `F` the `Serial` of the residual
 * layers, then the optional attention layer. A trailing options object may set `attentionLayer` and `name`.
 *
 * @example
 * ```ts
 * // x1, x2, mask -> x1 + Attention(LayerNorm(x2), mask), x2, mask
 * ReversibleHalfResidual(LayerNorm(), { attentionLayer: SelfAttention({ ... }) });
 * // x1, x2 -> x1 + FeedForward(x2), x2
 * ReversibleHalfResidual(LayerNorm(), Dense(dFf), Relu(), Dense(dModel));
 * ```
 * @public
 */
export function ReversibleHalfResidual(...items: Array<LayerLike | ReversibleHalfResidualOptions>): ReversibleHalfResidualLayer {
  const last = items[items.length - 1];
  const hasOptions = last !== undefined && !(last instanceof Layer) && !Array.isArray(last);
  const options = (hasOptions ? last : {}) as ReversibleHalfResidualOptions;
  if (hasOptions) refuseUnknownOptions('ReversibleHalfResidual', options, ['attentionLayer', 'name']);
  const layers = flattenLayers((hasOptions ? items.slice(0, -1) : items) as LayerLike[], 'ReversibleHalfResidual');
  if (layers.length === 0 && !options.attentionLayer)
    throw new Error('ReversibleHalfResidual: needs residual layers or an attention layer');
  const residual = layers.length === 1 ? layers[0]! : new SerialLayer(layers);
  return new ReversibleHalfResidualLayer(residual, options.attentionLayer, options.name);
}
