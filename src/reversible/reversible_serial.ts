import { tf } from '../backend/tf.js';
import { initInSequence, serialArity } from '../combinators/serial.js';
import { Layer, type SharedInits } from '../core/base.js';
import { fromList, toList } from '../core/stack.js';
import { disposeReplaced, flattenTree, mapTree, treeLeaves } from '../core/tensor_tree.js';
import type { InitResult, ShapeDtype, Stack, State, Tensor, Weights } from '../core/types.js';
import { type Key, splitKey } from '../rng/key.js';
import { atSublayer, flattenLayers, type LayerLike, subtree } from '../combinators/sublayer_call.js';
import { type Residue, ReversibleLayer, type ReverseAndGradResult } from './reversible_layer.js';
import { differentiableLeaves, gradientTree, isDifferentiable, keepView, untrackKept, zeroCotangent } from './tensor_lifetimes.js';
import { isRecordingGradients, outlivesForwardPass } from './vjp.js';

/** Options of {@link ReversibleSerial}. @public */
export interface ReversibleSerialOptions {
  /**
   * `true` (default): when differentiated, the stack keeps only its input and output and reconstructs every
   * block's input on the way back. `false`: the same computation with tfjs's ordinary backward pass, which keeps
   * every block's activations (for comparison and debugging).
   */
  reversibleBackward?: boolean;
  /** Display name (default `ReversibleSerial`). */
  name?: string;
}

/** Where the walk back through the blocks stands: the current stack, its cotangents, the weight gradients. */
interface WalkState {
  stack: Tensor[];
  cts: Tensor[];
  grads: Map<Tensor, Tensor>;
}

/**
 * A `Serial` of reversible layers whose backward pass needs no stored activations (Trax's `ReversibleSerial`).
 *
 * When tfjs is recording a gradient, the forward pass runs as one `tf.customGrad` over the stack's float items
 * and every weight: nothing inside is taped, and the gradient function walks back block by block, reconstructing
 * each block's input from its output and differentiating a recomputation of that block alone, each in its own
 * `tf.tidy`, so the memory of the backward pass does not grow with depth. Block `i` always runs with key
 * `splitKey(rng, n)[i]`, in the forward pass and in its recomputation, so dropout masks and hash rotations are
 * the same both times; LSH attention's buckets are moreover kept from the forward pass and reused (see
 * {@link ReversibleLayer.forwardWithResidue}). Kept from the forward pass to the backward pass: the stack's output
 * (one copy), its non-float items, the blocks' residues (buckets), and copies of only those weights that might be
 * disposed before the backward pass (weights computed inside the differentiated function).
 *
 * When nothing is being differentiated (inference, `eval`/`predict`), the blocks simply run in order, each in its
 * own `tf.tidy`, with no custom gradient and no extra work. Items that are not float32 (boolean masks, token ids)
 * ride along and get no gradient. Differentiating a stack (or a model around it) twice over, for second
 * derivatives, is not supported.
 * @public
 */
export class ReversibleSerialLayer extends ReversibleLayer {
  private _reversibleBackward = true;

  constructor(layers: readonly Layer[], options: ReversibleSerialOptions = {}) {
    const name = options.name ?? 'ReversibleSerial';
    layers.forEach((layer, i) => {
      if (!(layer instanceof ReversibleLayer)) {
        throw new Error(
          `${name}: sublayer ${i} (${layer.name}) is not reversible; use ReversibleHalfResidual, ReversibleSwap, ReversibleSelect or another ReversibleLayer`,
        );
      }
    });
    const [nIn, nOut] = layers.length === 0 ? [1, 1] : serialArity(layers);
    super({ nIn, nOut, name, sublayers: layers });
    if (options.reversibleBackward !== undefined) this.reversibleBackward = options.reversibleBackward;
  }

  /**
   * Whether the backward pass reconstructs activations (see {@link ReversibleSerialOptions}). Setting it sets it
   * on every `ReversibleSerial` nested inside too.
   */
  get reversibleBackward(): boolean {
    return this._reversibleBackward;
  }

  set reversibleBackward(on: boolean) {
    this._reversibleBackward = on;
    for (const layer of this.sublayers) {
      if (layer instanceof ReversibleSerialLayer) layer.reversibleBackward = on;
    }
  }

  private get blocks(): readonly ReversibleLayer[] {
    return this.sublayers as readonly ReversibleLayer[];
  }

  /** Initialises the blocks in order, as `Serial` does. */
  protected override build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    const { weights, state, stack } = initInSequence(this.sublayers, signature, rng, shared);
    return { weights, state, outputSignature: fromList(stack) };
  }

  /**
   * Runs the blocks in order (block `i` with key `splitKey(rng, n)[i]`); while a gradient is being recorded (and
   * `reversibleBackward`), as one custom gradient that reconstructs activations on the way back.
   */
  protected forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    if (this.sublayers.length === 0) return [inputs, state];
    const items = toList(inputs, this.nIn, 'input');
    const keys = splitKey(rng, this.sublayers.length);
    if (isRecordingGradients() && this.reversibleBackward) return this.forwardWithReversibleBackward(items, weights, state, keys);
    // Not differentiated: blocks in their own scopes. Ordinary backward: exactly a Serial, taped as usual.
    const run = this.runBlocks(items, weights, state, keys, !isRecordingGradients(), false);
    return [fromList(run.outputs), run.state];
  }

  /** The forward pass collecting every block's residue (what a nesting reversible stack calls). */
  override forwardWithResidue(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State, Residue] {
    return this.withContext(inputs, () => {
      if (this.sublayers.length === 0) return [inputs, state, {}] as [Stack, State, Residue];
      const run = this.runBlocks(toList(inputs, this.nIn, 'input'), weights, state, splitKey(rng, this.sublayers.length), true, true);
      return [fromList(run.outputs), run.state, run.residue] as [Stack, State, Residue];
    });
  }

  /**
   * Runs the blocks in order; with `tidy`, each block in its own scope, freeing stack items as they are replaced;
   * with `withResidue`, through `forwardWithResidue`, collecting residues by block index.
   */
  private runBlocks(items: Tensor[], weights: Weights, state: State, keys: Key[], tidy: boolean, withResidue: boolean): BlocksRun {
    let stack = items;
    const newState: State = {};
    const residue: Residue = {};
    const keep = new Set<Tensor>([...items, ...treeLeaves(weights), ...treeLeaves(state)]);
    this.blocks.forEach((layer, i) => {
      const step = (): { out: Tensor[]; s: State; r: Residue } => {
        const inputs = fromList(stack.slice(0, layer.nIn));
        const w = subtree(weights, i, this, 'weights');
        const st = subtree(state, i, this, 'state');
        const [out, s, r] = atSublayer(i, () =>
          withResidue ? layer.forwardWithResidue(inputs, w, st, keys[i]!) : [...layer.pureFn(inputs, w, st, keys[i]!), {}],
        );
        return { out: toList(out, layer.nOut, 'output'), s: s, r: r };
      };
      const { out, s, r } = tidy ? tf.tidy(step) : step();
      const next = [...out, ...stack.slice(layer.nIn)];
      newState[i] = s;
      if (Object.keys(r).length > 0) residue[i] = r;
      if (tidy) {
        for (const t of [...treeLeaves(s), ...treeLeaves(r)]) keep.add(t);
        disposeReplaced(stack, [...next, ...keep]);
      }
      stack = next;
    });
    return { outputs: stack, state: newState, residue };
  }

  /**
   * The forward pass as one `tf.customGrad` whose inputs are the float stack items and every float weight, and
   * whose single output packs the float output items (flattened and concatenated). Other outputs (masks) and the
   * new state leave the kernel as kept views. The backward pass gets, through `save`, the packed output, the other
   * outputs, the state, the blocks' residues, and those weights that might not outlive the forward pass (the
   * others it uses directly: `save` copies on wasm).
   */
  private forwardWithReversibleBackward(items: Tensor[], weights: Weights, state: State, keys: Key[]): [Stack, State] {
    const diffPlaces = items.flatMap((t, i) => (isDifferentiable(t) ? [i] : []));
    const leaves = differentiableLeaves(weights);
    if (diffPlaces.length + leaves.length === 0) {
      const run = this.runBlocks(items, weights, state, keys, true, false);
      return [fromList(run.outputs), run.state];
    }
    const saved: SavedLayout = {
      layout: [],
      stateLeaves: treeLeaves(state),
      savedWeights: leaves.filter((t) => !outlivesForwardPass(t)),
      residue: {},
      residueLeaves: [],
    };
    let keptOthers: Tensor[] = [];
    let keptState: State = {};
    const op = tf.customGrad((...args) => {
      const save = args[args.length - 1] as (tensors: Tensor[]) => void;
      const run = this.runBlocks(items, weights, state, keys, true, true);
      const outs = run.outputs;
      saved.layout = outs.map((t) => ({ shape: [...t.shape], float: isDifferentiable(t) }));
      const floats = outs.filter(isDifferentiable);
      if (floats.length === 0) throw new Error(`${this.name}: no float32 output to differentiate`);
      const packed = tf.concat(floats.map((t) => t.reshape([-1])));
      const others = outs.filter((t) => !isDifferentiable(t));
      keptOthers = others.map(keepView);
      keptState = mapTree(run.state, keepView);
      saved.residue = run.residue;
      saved.residueLeaves = treeLeaves(run.residue);
      save([packed, ...others, ...saved.stateLeaves, ...saved.savedWeights, ...saved.residueLeaves]);
      return {
        value: packed,
        gradFunc: (dy: Tensor, tensors: Tensor[]) =>
          this.backwardFromSaved(dy, tensors, saved, items, diffPlaces, leaves, weights, state, keys),
      };
    });
    const packed = op(...diffPlaces.map((i) => items[i]!), ...leaves);
    const floats = unpack(
      packed,
      saved.layout.filter((l) => l.float).map((l) => l.shape),
    );
    const others = keptOthers.map(untrackKept);
    const outs = saved.layout.map((l) => (l.float ? floats.shift()! : others.shift()!));
    return [fromList(outs), mapTree(keptState, untrackKept)];
  }

  /** The customGrad's gradient function: rebuilds the output and walks back through the blocks. */
  private backwardFromSaved(
    dy: Tensor,
    tensors: Tensor[],
    saved: SavedLayout,
    items: readonly Tensor[],
    diffPlaces: readonly number[],
    leaves: readonly Tensor[],
    weights: Weights,
    state: State,
    keys: Key[],
  ): Tensor[] {
    return this.withContext([...items], () => {
      const { layout, stateLeaves, savedWeights, residueLeaves } = saved;
      const nOthers = layout.filter((l) => !l.float).length;
      let at = 1;
      const take = (n: number): Tensor[] => tensors.slice(at, (at += n));
      const others = take(nOthers);
      const stateCopies = take(stateLeaves.length);
      const weightCopies = take(savedWeights.length);
      const residueCopies = take(residueLeaves.length);
      const replace = (from: readonly Tensor[], to: readonly Tensor[]) => new Map(from.map((t, i) => [t, to[i]!]));
      const weightOf = replace(savedWeights, weightCopies);
      const w = mapTree(weights, (t) => weightOf.get(t) ?? t);
      for (const [path, t] of flattenTree(w)) {
        if (t.isDisposed) throw new Error(`${this.name}: the weight ${path} was disposed before the backward pass`);
      }
      const stateOf = replace(stateLeaves, stateCopies);
      const residueOf = replace(residueLeaves, residueCopies);
      const s = mapTree(state, (t) => stateOf.get(t) ?? t);
      const residue = mapTree(saved.residue, (t) => residueOf.get(t)!);
      const floatShapes = layout.filter((l) => l.float).map((l) => l.shape);
      const ys = unpack(tensors[0]!, floatShapes);
      const dys = unpack(dy, floatShapes);
      let other = 0;
      const stack = layout.map((l) => (l.float ? ys.shift()! : others[other++]!));
      const cts = stack.map((t) => (isDifferentiable(t) ? dys.shift()! : zeroCotangent(t)));
      const keep = new Set<Tensor>([...tensors, ...treeLeaves(w)]);
      const end = this.walkBack({ stack, cts, grads: new Map() }, w, s, keys, keep, residue);
      return [
        ...diffPlaces.map((i) => end.cts[i]!),
        ...leaves.map((l) => end.grads.get(weightOf.get(l) ?? l) ?? tf.zeros(l.shape, 'float32')),
      ];
    });
  }

  /**
   * Walks back from the last block to the first: each block reconstructs its input and propagates cotangents in
   * its own `tf.tidy`; tensors of the walk that are replaced are freed at once (except those in `keep`).
   */
  private walkBack(start: WalkState, weights: Weights, state: State, keys: Key[], keep: ReadonlySet<Tensor>, residue?: Residue): WalkState {
    let { stack, cts, grads } = start;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const layer = this.blocks[i]!;
      const w = subtree(weights, i, this, 'weights');
      const blockLeaves = distinctLeaves(w);
      const step = tf.tidy(() => {
        const [x, xct, wg] = atSublayer(i, () =>
          layer.reverseAndGrad(
            fromList(stack.slice(0, layer.nOut)),
            fromList(cts.slice(0, layer.nOut)),
            w,
            subtree(state, i, this, 'state'),
            keys[i]!,
            residueAt(residue, i),
          ),
        );
        const gradAt = new Map(flattenTree(wg));
        const summed = blockLeaves.map(([path, leaf]) => {
          const g = gradAt.get(path);
          if (!g) throw new Error(`${layer.name}.reverseAndGrad gave no gradient for its weight ${path}`);
          const previous = grads.get(leaf);
          return previous ? tf.add(previous, g) : g;
        });
        return { x: toList(x, layer.nIn, 'input'), xct: toList(xct, layer.nIn, 'cotangent'), summed };
      });
      const nextStack = [...step.x, ...stack.slice(layer.nOut)];
      const nextCts = [...step.xct, ...cts.slice(layer.nOut)];
      const nextGrads = new Map(grads);
      blockLeaves.forEach(([, leaf], k) => nextGrads.set(leaf, step.summed[k]!));
      disposeReplaced([...stack, ...cts, ...grads.values()], [...nextStack, ...nextCts, ...nextGrads.values(), ...keep]);
      stack = nextStack;
      cts = nextCts;
      grads = nextGrads;
    }
    return { stack, cts, grads };
  }

  /** The input from the output: each block reversed, from the last to the first. */
  reverse(output: Stack, weights: Weights, state: State, rng: Key, residue?: Residue): Stack {
    return this.withContext(output, () => {
      let stack = toList(output, this.nOut, 'output');
      const keys = splitKey(rng, this.sublayers.length);
      const keep = new Set<Tensor>([...stack, ...treeLeaves(weights), ...treeLeaves(state)]);
      for (let i = this.blocks.length - 1; i >= 0; i--) {
        const layer = this.blocks[i]!;
        const x = tf.tidy(() =>
          toList(
            atSublayer(i, () =>
              layer.reverse(
                fromList(stack.slice(0, layer.nOut)),
                subtree(weights, i, this, 'weights'),
                subtree(state, i, this, 'state'),
                keys[i]!,
                residueAt(residue, i),
              ),
            ),
            layer.nIn,
            'input',
          ),
        );
        const next = [...x, ...stack.slice(layer.nOut)];
        disposeReplaced(stack, [...next, ...keep]);
        stack = next;
      }
      return fromList(stack);
    });
  }

  /**
   * Walks back from the last block to the first, each reconstructing its input and propagating the cotangents to its
   * input and weights.
   */
  override reverseAndGrad(output: Stack, ct: Stack, weights: Weights, state: State, rng: Key, residue?: Residue): ReverseAndGradResult {
    return this.withContext(output, () => {
      const stack = toList(output, this.nOut, 'output');
      const cts = toList(ct, this.nOut, 'cotangent');
      const keys = splitKey(rng, this.sublayers.length);
      const keep = new Set<Tensor>([...stack, ...cts, ...treeLeaves(weights), ...treeLeaves(state)]);
      const end = this.walkBack({ stack, cts, grads: new Map() }, weights, state, keys, keep, residue);
      return [fromList(end.stack), fromList(end.cts), gradientTree(weights, end.grads)] as ReverseAndGradResult;
    });
  }
}

/** What running the blocks gives. */
interface BlocksRun {
  outputs: Tensor[];
  state: State;
  residue: Residue;
}

/** What the forward pass of the custom gradient leaves for its gradient function, besides the saved tensors. */
interface SavedLayout {
  /** Shape of each output item and whether it is packed (float) or saved on its own. */
  layout: Array<{ shape: number[]; float: boolean }>;
  stateLeaves: Tensor[];
  /** The weights the backward pass gets copies of. */
  savedWeights: Tensor[];
  residue: Residue;
  residueLeaves: Tensor[];
}

function residueAt(residue: Residue | undefined, i: number): Residue | undefined {
  const r = residue?.[String(i)];
  return r === undefined || r instanceof tf.Tensor ? undefined : r;
}

/** The distinct leaves of a weight tree with the first path where each is found. */
function distinctLeaves(tree: Weights): Array<[string, Tensor]> {
  const seen = new Set<Tensor>();
  return flattenTree(tree).filter(([, t]) => isDifferentiable(t) && !seen.has(t) && (seen.add(t), true));
}

/** Splits a flat tensor into pieces of the given shapes. */
function unpack(flat: Tensor, shapes: ReadonlyArray<readonly number[]>): Tensor[] {
  if (shapes.length === 1) return [flat.reshape([...shapes[0]!])];
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  return tf.split(flat, sizes).map((piece, i) => piece.reshape([...shapes[i]!]));
}

/**
 * A reversible `Serial`: composes reversible layers with stack semantics and a backward pass that reconstructs
 * activations instead of storing them. Nested arrays are flattened; a trailing options object may set
 * `reversibleBackward` and `name`.
 *
 * @example
 * ```ts
 * const blocks = ReversibleSerial(
 *   ReversibleHalfResidual(LayerNorm(), Dense(64)), ReversibleSwap(),
 *   ReversibleHalfResidual(LayerNorm(), Dense(64)), ReversibleSwap(),
 * );
 * const model = Serial(Dup(), blocks, Fn('Mean', (a, b) => a.add(b).div(2)));
 * ```
 * @public
 */
export function ReversibleSerial(...items: Array<LayerLike | ReversibleSerialOptions>): ReversibleSerialLayer {
  const last = items[items.length - 1];
  const hasOptions = last !== undefined && !(last instanceof Layer) && !Array.isArray(last);
  const options = (hasOptions ? last : {}) as ReversibleSerialOptions;
  return new ReversibleSerialLayer(flattenLayers((hasOptions ? items.slice(0, -1) : items) as LayerLike[]), options);
}
