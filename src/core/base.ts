import { tf } from '../backend/tf.js';
import { installKernelFixes } from '../backend/install_kernels.js';
import { type Key, makeKey } from '../rng/key.js';
import { LayerError } from './layer_error.js';
import { describeShapes, fromList, signatureOf, toList, toStackList, zerosOf } from './stack.js';
import { disposeReplaced, flattenTree, mapTree } from './tensor_tree.js';
import type { InitResult, Mode, ShapeDtype, Signature, Stack, State, Weights } from './types.js';

/** Options of every layer's constructor. @public */
export interface LayerOptions {
  /** Number of stack items the layer takes (default 1). */
  nIn?: number;
  /** Number of stack items the layer gives (default 1). */
  nOut?: number;
  /** Display name; defaults to the class name. */
  name?: string;
  /** Sublayers, in order; their weights live under their index in this layer's weight tree. */
  sublayers?: readonly Layer[];
  /** Sublayers to show in `toString()` when they differ from the real ones (as for `Residual`). */
  sublayersToPrint?: readonly Layer[];
}

/** Options of {@link Layer.init}. @public */
export interface InitOptions {
  /** Integer seed for the layer's random key (default 0). */
  seed?: number;
  /** An explicit random key; wins over `seed`. */
  rng?: Key;
  /**
   * Draw new weights for every layer in the tree, also for layers that already have weights (default false:
   * a layer that has weights, from its own `init`, a parent's `init`, training or loading, keeps them).
   */
  reinit?: boolean;
}

/**
 * Weights and state already made for a layer object during one `init`, so that a reused layer shares them; with
 * `reinit`, layers that already have weights get new ones too (see {@link InitOptions.reinit}).
 * @public
 */
export interface SharedInits extends Map<Layer, { weights: Weights; state: State }> {
  /** Whether layers that already have weights get new ones in this `init` ({@link InitOptions.reinit}). */
  readonly reinit?: boolean;
}

/**
 * An empty {@link SharedInits} for one `init`: what {@link Layer.initialize} takes at the top of a tree.
 * @public
 */
export function sharedInits(options: { reinit?: boolean } = {}): SharedInits {
  return Object.assign(new Map<Layer, { weights: Weights; state: State }>(), { reinit: options.reinit ?? false });
}

/** What {@link Layer.init} gives without an input signature: weights and state, and no output signature. @public */
export interface WeightsOnlyInit {
  /** The weights made (or kept). */
  readonly weights: Weights;
  /** The state, made anew. */
  readonly state: State;
}

const ABSTRACT_EVAL_KEY: Key = [0, 0];

/**
 * The base of every layer: a function from `nIn` stack items to `nOut` stack items, with weights and state.
 *
 * A layer is initialised from an input signature (`init`), which infers shapes through the layer without real
 * data and draws the weights from a seeded key. It then runs as a pure function of its inputs, weights, state and
 * random key (`pureFn`), or with its stored weights (`call`).
 *
 * Subclasses implement `forward`, and `initWeightsAndState` when they own weights; they override
 * `outputSignature` when the output shape is cheap to compute (otherwise the layer is evaluated once on zeros).
 * A layer refers to its sublayers only through `sublayers`, so that `clone()` can copy it.
 * @public
 */
export abstract class Layer {
  /** How many stack items the layer takes off the top of the stack. */
  readonly nIn: number;
  /** How many stack items the layer pushes back. */
  readonly nOut: number;
  /** The name the layer prints under and errors name (`Dense_512`); carries its main hyperparameters. */
  name: string;
  private _sublayers: Layer[];
  private readonly _sublayersToPrint: readonly Layer[] | undefined;
  private _mode: Mode = 'train';
  private _ownWeights: Weights = {};
  private _ownState: State = {};
  private _initialized = false;
  /**
   * Whether training updates this layer's weights (default true). False makes them non-trainable, as Keras's
   * `layer.trainable = false` does: the training step neither differentiates nor updates them, or those of the
   * layer's sublayers (see `nonTrainableWeights`); they still take part in the forward pass and are checkpointed
   * and exported with the others. A weight shared with a trainable layer is frozen there too.
   */
  trainable = true;

  constructor(options: LayerOptions = {}) {
    const { nIn = 1, nOut = 1 } = options;
    if (!Number.isInteger(nIn) || nIn < 0) throw new RangeError(`Layer: nIn must be a non-negative integer, got ${nIn}`);
    if (!Number.isInteger(nOut) || nOut < 0) throw new RangeError(`Layer: nOut must be a non-negative integer, got ${nOut}`);
    this.nIn = nIn;
    this.nOut = nOut;
    this.name = options.name ?? this.constructor.name;
    this._sublayers = [...(options.sublayers ?? [])];
    this._sublayersToPrint = options.sublayersToPrint;
  }

  /** The layer's direct sublayers. */
  get sublayers(): readonly Layer[] {
    return this._sublayers;
  }

  /** `train`, `eval` or `predict`; setting it sets every sublayer too. */
  get mode(): Mode {
    return this._mode;
  }

  set mode(mode: Mode) {
    if (mode !== 'train' && mode !== 'eval' && mode !== 'predict') {
      throw new Error(`${this.name}: mode must be 'train', 'eval' or 'predict', got '${String(mode)}'`);
    }
    this._mode = mode;
    for (const sub of this._sublayers) sub.mode = mode;
  }

  /** Whether `init` has run (or weights were set). */
  get initialized(): boolean {
    return this._initialized;
  }

  /** The weight tree: own weights by name, each sublayer's tree under its index. */
  get weights(): Weights {
    return this.gather(this._ownWeights, (s) => s.weights);
  }

  set weights(weights: Weights) {
    this._ownWeights = this.scatter(weights, 'weights', (s, w) => (s.weights = w));
    this._initialized = true;
  }

  /** The state tree, laid out like the weights. */
  get state(): State {
    return this.gather(this._ownState, (s) => s.state);
  }

  set state(state: State) {
    this._ownState = this.scatter(state, 'state', (s, w) => (s.state = w));
  }

  /**
   * Initialises weights and state from the input signature (shapes and dtypes, no data), stores them in the
   * layer, and returns them with the inferred output signature. The same seed gives bit-identical weights.
   *
   * A layer in the tree (this one included) that already has weights keeps them: weights from its own earlier
   * `init`, from a parent's, from training or from loading are never replaced silently, so a trained layer can be
   * built into a new model. Its weights must fit the new input signature (else a {@link LayerError} says so).
   * Only layers without weights get new ones, each from the key it would get in a fresh tree, so the result does
   * not depend on which layers were initialised before. Pass `{ reinit: true }` to draw new weights for every
   * layer. State (caches, counters) is always made anew.
   *
   * Without an input signature (`init(undefined)`), a layer whose weights do not depend on its input (as
   * `Embedding`) makes them, and a layer without weights or sublayers (as `Dropout` or an `Fn`) gives empty
   * weights and state; other layers refuse.
   */
  init(inputSignature: undefined, options?: InitOptions): WeightsOnlyInit;
  /** With an input signature: weights, state and the inferred output signature (see the overload above). */
  init(inputSignature: Signature, options?: InitOptions): InitResult;
  init(inputSignature: Signature | undefined, options: InitOptions = {}): InitResult | WeightsOnlyInit {
    installKernelFixes();
    const rng = options.rng ?? makeKey(options.seed ?? 0);
    if (inputSignature === undefined) return this.initWithoutSignature(rng, options.reinit ?? false);
    const result = this.initialize(inputSignature, rng, sharedInits({ reinit: options.reinit ?? false }));
    this.weights = result.weights;
    this.state = result.state;
    return result;
  }

  private initWithoutSignature(rng: Key, reinit: boolean): WeightsOnlyInit {
    return this.withErrorContext('init', [], () => {
      const made = this.initWeightsWithoutInput(rng) ?? this.noWeightsWithoutSublayers();
      if (made === undefined) {
        throw new Error(
          `${this.name} needs an input signature to make its weights (their shapes depend on the input); call init(signature)`,
        );
      }
      if (this._initialized && !reinit) {
        disposeReplaced(made.weights, this.weights);
        this.state = made.state;
      } else {
        this.weights = made.weights;
        this.state = made.state;
      }
      return { weights: this.weights, state: this.state };
    });
  }

  /**
   * Empty weights and state for a layer that has no sublayers and makes no weights (it keeps the base
   * `initWeightsAndState`), as Trax's `init(None)` on a weightless layer; `undefined` for any other layer.
   */
  private noWeightsWithoutSublayers(): { weights: Weights; state: State } | undefined {
    const own = Object.getPrototypeOf(this) as { initWeightsAndState: unknown };
    if (this._sublayers.length > 0 || own.initWeightsAndState !== Layer.prototype.initWeightsAndState) return undefined;
    return { weights: {}, state: {} };
  }

  /**
   * The layer's weights and state made without an input signature, for layers whose weights do not depend on
   * their input (`Embedding`'s table); `undefined` (the default) means the input signature is needed.
   */
  protected initWeightsWithoutInput(_rng: Key): { weights: Weights; state: State } | undefined {
    return undefined;
  }

  /**
   * `init` inside an enclosing layer's initialisation: a layer object met a second time reuses the weights made
   * the first time, which is how reusing a layer shares its weights.
   */
  initialize(inputSignature: Signature, rng: Key, shared: SharedInits): InitResult {
    return this.withErrorContext('init', inputSignature, () => {
      const signature = this.inputList<ShapeDtype>(inputSignature, 'input signature');
      return this.build(signature, rng, shared);
    });
  }

  /**
   * Makes weights and state and infers the output signature. The default suits layers without sublayers;
   * combinators override it to thread signatures through their sublayers.
   */
  protected build(signature: ShapeDtype[], rng: Key, shared: SharedInits): InitResult {
    let made = shared.get(this);
    if (!made) {
      made = this.initWeightsAndState(signature, rng);
      if (this._initialized && !shared.reinit) made = this.keepWeights(made, signature);
      shared.set(this, made);
    }
    return { ...made, outputSignature: this.outputSignature(signature, made.weights, made.state) };
  }

  /**
   * The layer's own weights in place of the `fresh` ones (which are disposed), with the fresh state; refuses when
   * the kept weights do not have the fresh ones' shapes and dtypes (the layer was initialised for other inputs).
   */
  private keepWeights(fresh: { weights: Weights; state: State }, signature: readonly ShapeDtype[]): { weights: Weights; state: State } {
    const kept = this._ownWeights;
    const want = describeTree(fresh.weights);
    const have = describeTree(kept);
    disposeReplaced(fresh.weights, kept);
    if (want !== have) {
      throw new Error(
        `${this.name} already has weights ${have}, which do not fit inputs ${describeShapes([...signature])} (they need ${want}); ` +
          'init with { reinit: true } to draw new weights',
      );
    }
    return { weights: kept, state: fresh.state };
  }

  /** Makes this layer's own weights and state for inputs of the given signature. No weights by default. */
  protected initWeightsAndState(_signature: ShapeDtype[], _rng: Key): { weights: Weights; state: State } {
    return { weights: {}, state: {} };
  }

  /**
   * The signature of the output for inputs of the given signature. By default the layer is evaluated once on
   * zeros (inside `tf.tidy`); layers override this when the shape is easy to state.
   */
  protected outputSignature(signature: ShapeDtype[], weights: Weights, state: State): Signature {
    let out: Signature = [];
    tf.tidy(() => {
      const [outputs] = this.forward(fromList(zerosOf(signature)), weights, state, ABSTRACT_EVAL_KEY);
      out = signatureOf(outputs);
    });
    return out;
  }

  /**
   * The layer as a pure function: outputs and new state from inputs, weights, state and a random key. Errors are
   * rethrown as {@link LayerError}, naming this layer and the input shapes.
   */
  pureFn(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State] {
    const signature = Array.isArray(inputs) ? signatureOf(inputs) : signatureOf(inputs);
    return this.withErrorContext('forward', signature, () => {
      const extra = this.inputList(inputs, 'input').length - this.nIn;
      const [outputs, newState] = this.forward(inputs, weights, state, rng);
      toList(outputs, this.nOut + extra, 'output');
      return [outputs, newState];
    });
  }

  /**
   * Whether the layer, called at the top of a tree, takes more than `nIn` items and passes the items below its
   * inputs through to its outputs, as Trax's `Serial` does (`Serial(Add())` maps `a, b, c` to `a + b, c`). False
   * by default: a layer takes exactly `nIn` items.
   */
  protected get passesExtraInputs(): boolean {
    return false;
  }

  /** The layer's inputs (or their signatures) as a list: exactly `nIn`, or at least `nIn` where extras pass. */
  private inputList<T>(items: T | readonly T[], what: string): T[] {
    return this.passesExtraInputs ? toStackList(items, this.nIn, what) : toList(items, this.nIn, what);
  }

  /** The computation itself; `inputs` and the returned outputs follow the packing rule. */
  protected abstract forward(inputs: Stack, weights: Weights, state: State, rng: Key): [Stack, State];

  /**
   * Runs the layer with its stored weights and state (initialising it from the inputs' signature with seed 0 if
   * it was never initialised), stores the new state and returns the outputs.
   */
  call(inputs: Stack, options: { rng?: Key } = {}): Stack {
    if (!this._initialized) this.init(signatureOf(inputs));
    const [outputs, newState] = this.pureFn(inputs, this.weights, this.state, options.rng ?? makeKey(0));
    this.state = newState;
    return outputs;
  }

  /**
   * A copy of this layer with the same configuration and new sublayer copies: what `Bidirectional` uses to make
   * its backward layer. The copy keeps what the layer has: an initialised layer's copy starts with copies of its
   * weights and state (its own tensors, so training one does not change the other), as Python's `deepcopy` does
   * in Trax; an uninitialised layer's copy has none.
   */
  clone(): this {
    return this.cloneWithin(new Map());
  }

  /**
   * `clone` that maps each layer object to one copy (`copies` remembers them), so that a layer reused inside this
   * one is reused, and shares its weights, inside the copy too.
   */
  private cloneWithin(copies: Map<Layer, Layer>): this {
    const known = copies.get(this);
    if (known) return known as this;
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    copies.set(this, copy);
    Object.assign(copy, this);
    const mutable = copy as unknown as {
      _sublayers: Layer[];
      _sublayersToPrint: readonly Layer[] | undefined;
      _ownWeights: Weights;
      _ownState: State;
      _initialized: boolean;
    };
    mutable._sublayers = this._sublayers.map((s) => s.cloneWithin(copies));
    mutable._sublayersToPrint = this._sublayersToPrint?.map((s) => copies.get(s) ?? s);
    mutable._ownWeights = copyTree(this._ownWeights);
    mutable._ownState = copyTree(this._ownState);
    mutable._initialized = this._initialized;
    return copy;
  }

  /** The layer tree, printed as Trax prints it: `Serial_in2_out1[ ... ]`. */
  toString(): string {
    let label = this.name;
    if (this.nIn !== 1) label += `_in${this.nIn}`;
    if (this.nOut !== 1) label += `_out${this.nOut}`;
    const shown = this._sublayersToPrint ?? this._sublayers;
    if (shown.length === 0) return label;
    const body = shown.map((s) => '  ' + s.toString().replace(/\n/g, '\n  ')).join('\n');
    return `${label}[\n${body}\n]`;
  }

  /** Runs `f`, rethrowing any error as a {@link LayerError} whose path starts with this layer's name. */
  protected withErrorContext<T>(phase: 'init' | 'forward', inputs: Signature, f: () => T): T {
    try {
      return f();
    } catch (error) {
      if (error instanceof LayerError) throw error.within(this.name);
      const reason = error instanceof Error ? error.message : String(error);
      throw new LayerError([this.name], describeShapes(inputs), phase, reason, { cause: error });
    }
  }

  private gather(own: Weights, of: (s: Layer) => Weights): Weights {
    if (this._sublayers.length === 0) return own;
    const tree: Weights = { ...own };
    this._sublayers.forEach((s, i) => (tree[String(i)] = of(s)));
    return tree;
  }

  private scatter(tree: Weights, what: string, set: (s: Layer, w: Weights) => void): Weights {
    if (tree === null || typeof tree !== 'object') throw new TypeError(`${this.name}: ${what} must be a tree of tensors`);
    const own: Weights = {};
    for (const [key, value] of Object.entries(tree)) {
      if (!isSublayerKey(key, this._sublayers.length)) own[key] = value;
    }
    this._sublayers.forEach((s, i) => {
      const sub = tree[String(i)];
      if (sub === undefined || sub instanceof tf.Tensor) {
        throw new Error(`${this.name}: ${what} tree has no subtree for sublayer ${i} (${s.name})`);
      }
      set(s, sub);
    });
    return own;
  }
}

/** `{w:float32[3,4],b:float32[4]}`-style description of a tree's leaves, for comparing layouts. */
function describeTree(tree: Weights): string {
  const leaves = flattenTree(tree).map(([path, t]) => `${path}:${t.dtype}[${t.shape.join(',')}]`);
  return `{${leaves.join(', ')}}`;
}

/** The tree with each tensor replaced by its own copy (`tf.clone` shares the data, not the tensor's lifetime). */
function copyTree(tree: Weights): Weights {
  return mapTree(tree, (t) => tf.clone(t));
}

function isSublayerKey(key: string, nSublayers: number): boolean {
  return /^\d+$/.test(key) && Number(key) < nSublayers;
}
