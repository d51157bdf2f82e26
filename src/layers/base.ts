import { tf } from '../backend/tf.js';
import { installKernelFixes } from '../backend/kernel_fixes.js';
import { type Key, makeKey } from '../rng/key.js';
import { LayerError } from './layer_error.js';
import { describeShapes, fromList, signatureOf, toList, zerosOf } from './stack.js';
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
}

/**
 * Weights and state already made for a layer object during one `init`, so that a reused layer shares them.
 * @public
 */
export type SharedInits = Map<Layer, { weights: Weights; state: State }>;

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
  readonly nIn: number;
  readonly nOut: number;
  name: string;
  private _sublayers: Layer[];
  private readonly _sublayersToPrint: readonly Layer[] | undefined;
  private _mode: Mode = 'train';
  private _ownWeights: Weights = {};
  private _ownState: State = {};
  private _initialized = false;

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
   */
  init(inputSignature: Signature, options: InitOptions = {}): InitResult {
    installKernelFixes();
    const rng = options.rng ?? makeKey(options.seed ?? 0);
    const result = this.initialize(inputSignature, rng, new Map());
    this.weights = result.weights;
    this.state = result.state;
    return result;
  }

  /**
   * `init` inside an enclosing layer's initialisation: a layer object met a second time reuses the weights made
   * the first time, which is how reusing a layer shares its weights.
   */
  initialize(inputSignature: Signature, rng: Key, shared: SharedInits): InitResult {
    return this.withErrorContext('init', inputSignature, () => {
      const signature = toList<ShapeDtype>(inputSignature as ShapeDtype | ShapeDtype[], this.nIn, 'input signature');
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
      shared.set(this, made);
    }
    return { ...made, outputSignature: this.outputSignature(signature, made.weights, made.state) };
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
      toList(inputs, this.nIn, 'input');
      const [outputs, newState] = this.forward(inputs, weights, state, rng);
      toList(outputs, this.nOut, 'output');
      return [outputs, newState];
    });
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
   * A copy of this layer with the same configuration, new sublayer copies and no weights: what `Bidirectional`
   * uses to make its backward layer.
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
    mutable._ownWeights = {};
    mutable._ownState = {};
    mutable._initialized = false;
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

function isSublayerKey(key: string, nSublayers: number): boolean {
  return /^\d+$/.test(key) && Number(key) < nSublayers;
}
