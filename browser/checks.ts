/**
 * Page-side checks of the browser build, run by test/browser/ through `page.evaluate` on test.html:
 * `await window.checks.layerSuite(window.trax, { backend: 'webgl', reference: 'cpu' })` and so on. Each check returns
 * plain JSON: what it measured and a list of `failures` (empty when all is well), so that a test can print exactly
 * what went wrong.
 *
 * The library is passed in, never imported (only its types are): this file is bundled on its own
 * (build/browser/checks.js) and runs against the real trax.js bundle.
 */
import type * as TraxModuleNamespace from './entry.js';
import type { BackendName, Key, Layer, ShapeDtype, Signature, State, Tensor, Weights } from '../src/index.js';

/** The module the bundle (trax.js, built from browser/entry.ts) exports. */
export type TraxModule = typeof TraxModuleNamespace;

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function now(): number {
  return performance.now();
}

/**
 * Says, on the console, that a check is making progress (`[trax-progress] what`). The browser tests' hang guard
 * (test/browser/harness.ts, runCheck) fails a check only when these stop coming, not when the check is slow. Silent
 * outside a page (Node runs some checks as the reference).
 */
export function progress(what: string): void {
  if (typeof window !== 'undefined') console.debug(`[trax-progress] ${what}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Environment and backends

/** What the page runs on: cross-origin isolation, the active backend, where the wasm binaries come from. */
export function environment(trax: TraxModule): Record<string, unknown> {
  const { tf } = trax;
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    hardwareConcurrency: navigator.hardwareConcurrency,
    backend: trax.currentBackend(),
    tfjsVersion: tf.version_core,
    wasmBinariesUrl: trax.wasmBinariesUrl,
    exports: Object.keys(trax).length,
  };
}

/** The WebGL renderer behind the webgl backend (or null when it cannot be read). */
function webglRenderer(trax: TraxModule): string | null {
  const backend = trax.tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/**
 * `useBackend(name)`, then a tiny computation on it. For webgl also the WebGL version (2 expected), whether
 * float32 textures render, and the renderer (SwiftShader in headless Chromium without a GPU).
 */
export async function switchBackend(trax: TraxModule, name: BackendName): Promise<Record<string, unknown>> {
  const { tf } = trax;
  const failures: string[] = [];
  const started = now();
  progress(`switchBackend: starting ${name}`);
  try {
    await trax.useBackend(name);
  } catch (error) {
    return { backend: trax.currentBackend(), failures: [`useBackend('${name}') threw ${message(error)}`] };
  }
  const ms = now() - started;
  const active = trax.currentBackend();
  if (active !== name) failures.push(`after useBackend('${name}') the active backend is '${active}'`);
  const squares = tf.tidy(() => Array.from(tf.tensor1d([1, 2, 3]).square().add(1).dataSync()));
  if (JSON.stringify(squares) !== '[2,5,10]') failures.push(`[1,2,3]^2+1 on ${name} gave ${JSON.stringify(squares)}`);
  const result: Record<string, unknown> = { backend: active, ms, squares, failures };
  if (name === 'webgl') {
    result['webglVersion'] = tf.env().getNumber('WEBGL_VERSION');
    result['float32Render'] = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    result['renderer'] = webglRenderer(trax);
    if (result['webglVersion'] !== 2) failures.push(`webgl backend runs WebGL ${String(result['webglVersion'])}, expected 2`);
  }
  if (name === 'wasm') {
    const wasm = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
    result['wasmThreads'] = wasm.wasm?.tfjs?.getThreadsCount?.() ?? null;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers: packing, deterministic data, gradients

/** Trax's packing rule: one item bare, otherwise an array. */
function pack(items: Tensor[]): Tensor | Tensor[] {
  return items.length === 1 ? items[0]! : items;
}

function unpack(stack: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(stack) ? stack : [stack];
}

function signatureList(signature: Signature): ShapeDtype[] {
  return Array.isArray(signature) ? [...(signature as readonly ShapeDtype[])] : [signature as ShapeDtype];
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An input of a case: float32 uniform in [-1, 1), or int32 ids below `vocab`. */
export interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
  vocab?: number;
}

/** Deterministic values for an input, drawn from the library's own key-based RNG (identical on every backend). */
function inputData(trax: TraxModule, spec: InputSpec, seed: number): Float32Array | Int32Array {
  const bits = trax.randomBits(trax.makeKey(seed), size(spec.shape));
  if (spec.dtype === 'int32') return Int32Array.from(bits, (b) => b % (spec.vocab ?? 2));
  return Float32Array.from(bits, (b) => (b >>> 8) * 2 ** -23 - 1);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * A scalar function of a layer's float inputs and its weights: the outputs contracted with fixed random
 * cotangents (a plain sum would make, e.g., LayerNorm's gradient vanish and hide errors).
 */
interface ScalarFn {
  args: Tensor[];
  argNames: string[];
  f: (...args: Tensor[]) => Tensor;
  /** Frees the cotangents. */
  dispose(): void;
}

function scalarFunction(
  trax: TraxModule,
  layer: Layer,
  inputs: Tensor[],
  weights: Weights,
  state: State,
  outputs: Tensor[],
  rng: Key,
): ScalarFn {
  const { tf } = trax;
  const floatInputs = inputs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  const named = [...trax.namedTensors(layer, weights).entries()];
  const leaves = trax.treeLeaves(weights);
  const leafNames = leaves.map((leaf) => named.find(([, t]) => t === leaf)?.[0] ?? '?');
  const cotangents = outputs.map((y, i) => tf.tensor(inputData(trax, { shape: [...y.shape] }, 5000 + i), y.shape, 'float32'));
  const f = (...args: Tensor[]): Tensor => {
    const xs = inputs.map((x, i) => (floatInputs.includes(i) ? args[floatInputs.indexOf(i)]! : x));
    const replacement = new Map(leaves.map((leaf, i) => [leaf, args[floatInputs.length + i]!]));
    const w = trax.mapTree(weights, (t) => replacement.get(t) ?? t);
    const [out] = layer.pureFn(pack(xs), w, state, rng);
    return tf.addN(unpack(out).map((y, i) => tf.sum(tf.mul(y, cotangents[i]!))));
  };
  return {
    args: [...floatInputs.map((i) => inputs[i]!), ...leaves],
    argNames: [...floatInputs.map((i) => `input ${i}`), ...leafNames.map((n) => `weight ${n}`)],
    f,
    dispose: () => tf.dispose(cotangents),
  };
}

/** Options of the finite-difference check (the defaults suit float32, as in test/helpers/gradcheck.ts). */
export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  probes?: number;
}

/**
 * Compares `grads` (analytic, of `s.f` at `s.args`) with central finite differences at a seeded sample of
 * coordinates of every argument. Returns the failures and the worst error relative to its tolerance.
 */
function finiteDifferenceCheck(
  trax: TraxModule,
  s: ScalarFn,
  grads: Float32Array[],
  options: GradCheckOptions = {},
): { failures: string[]; worst: number; probes: number } {
  const { tf } = trax;
  const { eps = 1e-2, atol = 2e-3, rtol = 2e-2, probes = 6 } = options;
  const failures: string[] = [];
  let worst = 0;
  let count = 0;
  s.args.forEach((x, k) => {
    const base = x.dataSync() as Float32Array;
    const evalAt = (data: Float32Array): number =>
      tf.tidy(() => {
        const args = s.args.map((a, i) => (i === k ? tf.tensor(data, a.shape, 'float32') : a));
        return s.f(...args).dataSync()[0]!;
      });
    const coords = new Set(Array.from(trax.randomBits(trax.makeKey(1000 + k), probes), (b) => b % base.length));
    for (const c of coords) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[c] = plus[c]! + eps;
      minus[c] = minus[c]! - eps;
      const numeric = (evalAt(plus) - evalAt(minus)) / (2 * eps);
      const analytic = grads[k]![c]!;
      const tolerance = atol + rtol * Math.abs(numeric);
      const error = Math.abs(analytic - numeric);
      worst = Math.max(worst, Number.isNaN(error) ? Infinity : error / tolerance);
      count++;
      if (!(error <= tolerance)) {
        failures.push(
          `gradient of ${s.argNames[k]} at flat index ${c}: analytic ${analytic}, finite difference ${numeric} (tolerance ${tolerance.toExponential(2)})`,
        );
      }
    }
  });
  return { failures, worst, probes: count };
}

// ---------------------------------------------------------------------------------------------------------------
// The layer suite

/**
 * One case of the suite: a fresh layer, the inputs it takes, and whether to check its gradients. Code running in
 * the page can add its own through {@link SuiteOptions.extraCases}.
 */
export interface LayerCase {
  name: string;
  make: () => Layer;
  inputs: InputSpec[];
  grad: boolean;
  gradCheck?: GradCheckOptions;
}

/** A weighted layer written by subclassing `Layer` in the page, against the bundle: `y = x·w + b`. */
function affineLayerClass(trax: TraxModule): new (nUnits: number) => Layer {
  const { tf } = trax;
  class PageAffine extends trax.Layer {
    constructor(readonly nUnits: number) {
      super({ name: `PageAffine_${nUnits}` });
    }

    protected override initWeightsAndState(signature: ShapeDtype[], rng: Key): { weights: Weights; state: State } {
      const dIn = signature[0]!.shape[signature[0]!.shape.length - 1]!;
      const [kw, kb] = trax.splitKey(rng, 2);
      return {
        weights: { w: trax.normal(kw!, [dIn, this.nUnits], 1 / Math.sqrt(dIn)), b: trax.uniform(kb!, [this.nUnits], -0.1, 0.1) },
        state: {},
      };
    }

    protected forward(inputs: Tensor | Tensor[], weights: Weights, state: State): [Tensor | Tensor[], State] {
      const x = inputs as Tensor;
      const flat = x.reshape([-1, x.shape[x.shape.length - 1]!]);
      const y = tf.matMul(flat, weights['w'] as Tensor).add(weights['b'] as Tensor);
      return [y.reshape([...x.shape.slice(0, -1), this.nUnits]), state];
    }
  }
  return PageAffine;
}

/** The cases: composites of Fn layers, a Layer subclass written here, the core layers, a reversible stack. */
function layerCases(trax: TraxModule): LayerCase[] {
  const { Serial, Branch, Residual, Parallel, Select, Add, Multiply, Concatenate, Fn } = trax;
  const { Dense, LayerNorm, Embedding, LogSoftmax } = trax;
  const Affine = affineLayerClass(trax);
  const tanh = (): Layer => Fn('Tanh', (x) => x.tanh());
  return [
    {
      name: 'Fn composite: Serial/Branch/Residual',
      make: () =>
        Serial(
          Residual(tanh()),
          Branch(
            Fn('Square', (x) => x.square()),
            Fn('SinHalf', (x) => x.mul(0.5).sin()),
          ),
          Add(),
          Residual(
            Fn('Sigmoid', (x) => x.sigmoid()),
            { shortcut: Fn('Neg', (x) => x.neg()) },
          ),
        ),
      inputs: [{ shape: [3, 4] }],
      grad: true,
    },
    {
      name: 'Fn composite: 2 in, 3 out (Parallel/Select/Multiply/Concatenate)',
      make: () =>
        Serial(
          Parallel(
            tanh(),
            Fn('Exp', (x) => x.mul(0.3).exp()),
          ),
          Select([0, 1, 0, 1]),
          Multiply(),
          Concatenate(3, -1),
          Branch(
            null,
            Fn('Mean', (x) => x.mean(-1, true)),
            Fn('Cube', (x) => x.pow(3)),
          ),
        ),
      inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
      grad: true,
    },
    {
      name: 'Layer subclass written in the page (PageAffine) in a Residual',
      make: () => Serial(new Affine(6), Residual(new Affine(6), tanh()), new Affine(2)),
      inputs: [{ shape: [2, 3, 5] }],
      grad: true,
    },
    { name: 'Dense', make: () => Dense(5), inputs: [{ shape: [3, 4] }], grad: true },
    { name: 'Dense on [B, L, d]', make: () => Dense(3), inputs: [{ shape: [2, 4, 5] }], grad: true },
    { name: 'LayerNorm', make: () => LayerNorm(), inputs: [{ shape: [2, 3, 6] }], grad: true },
    { name: 'Embedding', make: () => Embedding(11, 4), inputs: [{ shape: [2, 5], dtype: 'int32', vocab: 11 }], grad: true },
    { name: 'LogSoftmax', make: () => LogSoftmax(), inputs: [{ shape: [3, 7] }], grad: true },
    {
      name: 'tagger-like composite: Embedding, pre-LN residual MLP, LogSoftmax',
      make: () => Serial(Embedding(13, 8), Residual(LayerNorm(), Dense(16), tanh(), Dense(8)), LayerNorm(), Dense(5), LogSoftmax()),
      inputs: [{ shape: [2, 6], dtype: 'int32', vocab: 13 }],
      grad: true,
    },
    {
      name: 'ReversibleSerial of ReversibleHalfResidual/ReversibleSwap (reversible backward)',
      make: () => reversibleStack(trax),
      inputs: [{ shape: [2, 3, 6] }, { shape: [2, 3, 6] }],
      grad: true,
    },
  ];
}

/** Two reversible residual blocks: `x1, x2 -> y1, y2`, with LayerNorm/Dense/tanh inside. */
function reversibleStack(trax: TraxModule, reversibleBackward = true): ReturnType<TraxModule['ReversibleSerial']> {
  const { ReversibleSerial, ReversibleHalfResidual, ReversibleSwap, LayerNorm, Dense, Fn } = trax;
  return ReversibleSerial(
    ReversibleHalfResidual(
      LayerNorm(),
      Dense(8),
      Fn('Tanh', (x) => x.tanh()),
      Dense(6),
    ),
    ReversibleSwap(),
    ReversibleHalfResidual(LayerNorm(), Dense(6)),
    ReversibleSwap(),
    { reversibleBackward },
  );
}

/** What one case gives on one backend, as plain numbers. */
interface CaseRun {
  backend: string;
  signature: Array<{ shape: number[]; dtype: string }>;
  outputs: Array<{ shape: number[]; dtype: string; values: number[] }>;
  grads: number[][];
  argNames: string[];
  gradCheck?: { failures: string[]; worst: number; probes: number };
  leakedTensors: number;
  ms: number;
}

async function runCase(trax: TraxModule, c: LayerCase, backend: BackendName, gradCheck: boolean): Promise<CaseRun> {
  const { tf } = trax;
  await trax.useBackend(backend);
  progress(`layer case ${c.name}: running on ${backend}`);
  const started = now();
  const before = tf.memory().numTensors;
  const layer = c.make();
  const signatureIn = c.inputs.map((s) => trax.shapeDtype(s.shape, s.dtype ?? 'float32'));
  const init = layer.init(signatureIn.length === 1 ? signatureIn[0]! : signatureIn, { seed: 7 });
  const inputs = c.inputs.map((s, i) => tf.tensor(inputData(trax, s, 100 + i), s.shape, s.dtype ?? 'float32'));
  const rng = trax.makeKey(3);
  // Intermediates of the forward pass are the caller's to free: tidy them, keeping only the outputs.
  const outputs = tf.tidy(() => unpack(layer.pureFn(pack(inputs), init.weights, init.state, rng)[0]));
  const run: CaseRun = {
    backend,
    signature: signatureList(init.outputSignature).map((s) => ({ shape: [...s.shape], dtype: s.dtype })),
    outputs: outputs.map((y) => ({ shape: [...y.shape], dtype: y.dtype, values: Array.from(y.dataSync()) })),
    grads: [],
    argNames: [],
    leakedTensors: 0,
    ms: 0,
  };
  if (c.grad) {
    const s = scalarFunction(trax, layer, inputs, init.weights, init.state, outputs, rng);
    const grads = tf.tidy(() => tf.grads(s.f)(s.args));
    const gradData = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    run.grads = gradData.map((g) => Array.from(g));
    run.argNames = s.argNames;
    progress(`layer case ${c.name}: gradients on ${backend}`);
    if (gradCheck) run.gradCheck = finiteDifferenceCheck(trax, s, gradData, c.gradCheck);
    s.dispose();
  }
  tf.dispose([...inputs, ...outputs]);
  trax.disposeTree(init.weights);
  trax.disposeTree(init.state);
  run.leakedTensors = tf.memory().numTensors - before;
  run.ms = now() - started;
  return run;
}

/** Options of {@link layerSuite}. */
export interface SuiteOptions {
  /** The backend under test (default webgl). */
  backend?: BackendName;
  /** The backend it must agree with (default cpu). */
  reference?: BackendName;
  /** Tolerance of outputs and gradients against the reference: `atol + rtol * max|reference|` (1e-4, 1e-4). */
  atol?: number;
  rtol?: number;
  /** Only the cases whose name contains this. */
  only?: string;
  /** More cases, after the built-in ones (only from code running in the page: they hold functions). */
  extraCases?: LayerCase[];
}

/** The result of one case of the suite. */
export interface CaseResult {
  name: string;
  failures: string[];
  outputShapes: number[][];
  maxOutputDiff: number;
  maxGradDiff: number;
  gradCheckWorst: number | null;
  leakedTensors: Record<string, number>;
  ms: number;
}

/**
 * The layer suite's core cases, in the page: on `backend`, init's output signature equals the real output's
 * shapes and dtypes, gradients match finite differences; outputs and gradients agree with `reference` (in the same
 * page) within tolerance. Ends on the backend it started on.
 */
export async function layerSuite(trax: TraxModule, options: SuiteOptions = {}): Promise<{ results: CaseResult[] }> {
  const { backend = 'webgl', reference = 'cpu', atol = 1e-4, rtol = 1e-4, only } = options;
  const startedOn = trax.currentBackend() as BackendName;
  const cases = [...layerCases(trax), ...(options.extraCases ?? [])];
  const results: CaseResult[] = [];
  for (const c of cases.filter((k) => !only || k.name.includes(only))) {
    const started = now();
    const failures: string[] = [];
    let test: CaseRun | undefined;
    let ref: CaseRun | undefined;
    try {
      test = await runCase(trax, c, backend, true);
      ref = await runCase(trax, c, reference, false);
    } catch (error) {
      failures.push(`threw on ${test ? reference : backend}: ${message(error)}`);
    }
    let maxOutputDiff = NaN;
    let maxGradDiff = NaN;
    if (test && ref) {
      if (JSON.stringify(test.signature) !== JSON.stringify(test.outputs.map(({ shape, dtype }) => ({ shape, dtype })))) {
        failures.push(
          `init's output signature ${JSON.stringify(test.signature)} differs from the real outputs ${JSON.stringify(test.outputs.map(({ shape, dtype }) => ({ shape, dtype })))} on ${backend}`,
        );
      }
      maxOutputDiff = 0;
      test.outputs.forEach((y, i) => {
        const r = ref.outputs[i]!;
        const d = maxAbsDiff(y.values, r.values);
        maxOutputDiff = Math.max(maxOutputDiff, d);
        if (JSON.stringify(y.shape) !== JSON.stringify(r.shape))
          failures.push(`output ${i}: shape ${JSON.stringify(y.shape)} on ${backend}, ${JSON.stringify(r.shape)} on ${reference}`);
        else if (!(d <= atol + rtol * maxAbs(r.values))) failures.push(`output ${i}: ${backend} differs from ${reference} by ${d}`);
      });
      maxGradDiff = 0;
      test.grads.forEach((g, i) => {
        const r = ref.grads[i]!;
        const d = maxAbsDiff(g, r);
        maxGradDiff = Math.max(maxGradDiff, d);
        if (!(d <= atol + rtol * maxAbs(r))) failures.push(`gradient of ${test.argNames[i]}: ${backend} differs from ${reference} by ${d}`);
      });
      if (test.gradCheck) failures.push(...test.gradCheck.failures.map((f) => `finite differences on ${backend}: ${f}`));
    }
    results.push({
      name: c.name,
      failures,
      outputShapes: test?.outputs.map((y) => y.shape) ?? [],
      maxOutputDiff,
      maxGradDiff,
      gradCheckWorst: test?.gradCheck?.worst ?? null,
      leakedTensors: { [backend]: test?.leakedTensors ?? NaN, [reference]: ref?.leakedTensors ?? NaN },
      ms: now() - started,
    });
  }
  if (startedOn) await trax.useBackend(startedOn);
  return { results };
}

// ---------------------------------------------------------------------------------------------------------------
// Node-only parts of the API

/**
 * What the Node-only parts of the API do in the page: the build replaces Node's built-in modules with stubs that
 * throw a clear error on use (scripts/build_browser.mjs), so the bundle loads and such calls fail with that error.
 */
export async function nodeOnlyApi(trax: TraxModule): Promise<Record<string, string>> {
  const outcome = async (f: () => unknown): Promise<string> => {
    try {
      await f();
      return 'no error';
    } catch (error) {
      return message(error);
    }
  };
  return {
    readCheckpoint: await outcome(() => trax.readCheckpoint('runs/x')),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Weight paths and values after init: the same in the page as in Node

/** Per case of the suite: every weight's path (as checkpoints name it), shape, and a checksum of its values. */
export async function initFingerprints(
  trax: TraxModule,
  backend: BackendName = 'cpu',
): Promise<Record<string, Array<[string, number[], number]>>> {
  await trax.useBackend(backend);
  const out: Record<string, Array<[string, number[], number]>> = {};
  for (const c of layerCases(trax)) {
    progress(`initFingerprints: ${c.name}`);
    const layer = c.make();
    const signature = c.inputs.map((i) => trax.shapeDtype(i.shape, i.dtype ?? 'float32'));
    const { weights, state } = layer.init(signature.length === 1 ? signature[0]! : signature, { seed: 7 });
    out[c.name] = [...trax.namedTensors(layer, weights).entries()].map(([path, t]) => {
      // A checksum in float64 on the host, so that it does not depend on a backend's reduction order.
      const data = t.dataSync();
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum += data[i]! * (1 + (i % 7));
      return [path, [...t.shape], sum];
    });
    trax.disposeTree(weights);
    trax.disposeTree(state);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reversible backward pass against the ordinary one

/**
 * On `backend`: a ReversibleSerial stack's gradients (inputs and weights) with its reversible backward pass (one
 * customGrad that reconstructs activations) against tfjs's ordinary backward pass of the same stack and weights
 * (`reversibleBackward = false`); also `reverse` (the input from the output) and `reverseAndGrad` against the
 * ordinary gradients. All within `tol`.
 */
export async function reversibleGradients(trax: TraxModule, backend: BackendName = 'webgl', tol = 1e-5): Promise<Record<string, unknown>> {
  const { tf } = trax;
  progress(`reversibleGradients: starting ${backend}`);
  await trax.useBackend(backend);
  progress(`reversibleGradients: forward on ${backend}`);
  const started = now();
  const failures: string[] = [];
  const before = tf.memory().numTensors;
  const layer = reversibleStack(trax, true);
  const shape = [2, 3, 6];
  layer.init([trax.shapeDtype(shape), trax.shapeDtype(shape)], { seed: 13 });
  const inputs = [0, 1].map((i) => tf.tensor(inputData(trax, { shape }, 300 + i), shape));
  const rng = trax.makeKey(5);
  const [out] = layer.pureFn(inputs, layer.weights, layer.state, rng);
  const outputs = unpack(out);
  const s = scalarFunction(trax, layer, inputs, layer.weights, layer.state, outputs, rng);
  const gradsOf = (reversible: boolean): Float32Array[] => {
    layer.reversibleBackward = reversible;
    progress(`reversibleGradients: ${reversible ? 'reversible' : 'ordinary'} backward pass`);
    return tf.tidy(() =>
      tf
        .grads(s.f)(s.args)
        .map((g) => g.dataSync() as Float32Array),
    );
  };
  const reversible = gradsOf(true);
  const ordinary = gradsOf(false);
  layer.reversibleBackward = true;
  const diffs = s.argNames.map((name, i) => ({ name, diff: maxAbsDiff(reversible[i]!, ordinary[i]!), scale: maxAbs(ordinary[i]!) }));
  for (const { name, diff, scale } of diffs) {
    if (!(diff <= tol * Math.max(1, scale)))
      failures.push(`gradient of ${name}: reversible backward differs from the ordinary one by ${diff}`);
  }
  const reconstructionError = tf.tidy(() => {
    const x = unpack(layer.reverse(out, layer.weights, layer.state, rng));
    return Math.max(...x.map((xi, i) => maxAbsDiff(xi.dataSync(), inputs[i]!.dataSync())));
  });
  if (!(reconstructionError <= tol)) failures.push(`reverse(forward(x)) differs from x by ${reconstructionError}`);
  // reverseAndGrad with the cotangents of the scalar function (the random probes of scalarFunction).
  const reverseAndGradDiff = tf.tidy(() => {
    const cts = outputs.map((y, i) => tf.tensor(inputData(trax, { shape: [...y.shape] }, 5000 + i), y.shape, 'float32'));
    const [, xct, wg] = layer.reverseAndGrad(out, pack(cts), layer.weights, layer.state, rng);
    const got = [
      ...unpack(xct),
      ...trax.treeLeaves(layer.weights).map((leaf) => {
        const path = [...trax.namedTensors(layer, layer.weights).entries()].find(([, t]) => t === leaf)![0];
        return trax.namedTensors(layer, wg).get(path)!;
      }),
    ];
    return Math.max(...got.map((g, i) => maxAbsDiff(g.dataSync(), ordinary[i]!)));
  });
  if (!(reverseAndGradDiff <= tol)) failures.push(`reverseAndGrad differs from the ordinary gradients by ${reverseAndGradDiff}`);
  s.dispose();
  tf.dispose([...inputs, ...outputs]);
  trax.disposeTree(layer.weights);
  return {
    backend,
    maxGradDiff: Math.max(...diffs.map((d) => d.diff)),
    reconstructionError,
    reverseAndGradDiff,
    leakedTensors: tf.memory().numTensors - before,
    ms: now() - started,
    failures,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Backend switching mid-session

/**
 * Initialises one model on the first backend of `sequence`, then runs it (forward and gradients of its weights)
 * on each backend of the sequence in turn, without re-creating its weights: tfjs must move them. Every run must
 * agree with the first within `tol`.
 */
export async function backendSwitching(
  trax: TraxModule,
  sequence: BackendName[] = ['webgl', 'wasm', 'webgl', 'cpu'],
  tol = 1e-5,
): Promise<Record<string, unknown>> {
  const { tf } = trax;
  const { Serial, Residual, Fn, Dense, LayerNorm, LogSoftmax } = trax;
  const Affine = affineLayerClass(trax);
  const model = Serial(
    Dense(16),
    Fn('Tanh', (x) => x.tanh()),
    LayerNorm(),
    Residual(Dense(16), new Affine(16)),
    Dense(4),
    LogSoftmax(),
  );
  const failures: string[] = [];
  const runs: Array<{ backend: string; maxOutputDiff: number; maxGradDiff: number; ms: number }> = [];
  await trax.useBackend(sequence[0]!);
  model.init(trax.shapeDtype([4, 8]), { seed: 11 });
  const xData = inputData(trax, { shape: [4, 8] }, 21);
  let first: { out: Float32Array; grads: Float32Array[] } | undefined;
  for (const backend of sequence) {
    const started = now();
    progress(`backendSwitching: to ${backend}`);
    await trax.useBackend(backend);
    if (trax.currentBackend() !== backend) failures.push(`useBackend('${backend}') left '${trax.currentBackend()}' active`);
    const x = tf.tensor(xData, [4, 8]);
    const out = (model.call(x) as Tensor).dataSync() as Float32Array;
    const leaves = trax.treeLeaves(model.weights);
    const grads = tf.tidy(() =>
      tf
        .grads((...ws: Tensor[]) => {
          const replacement = new Map(leaves.map((leaf, i) => [leaf, ws[i]!]));
          const [y] = model.pureFn(
            x,
            trax.mapTree(model.weights, (t) => replacement.get(t) ?? t),
            model.state,
            trax.makeKey(0),
          );
          return (y as Tensor).mul(tf.linspace(-1, 1, 4 * 4).reshape([4, 4])).sum();
        })(leaves)
        .map((g) => g.dataSync() as Float32Array),
    );
    x.dispose();
    first ??= { out, grads };
    const maxOutputDiff = maxAbsDiff(out, first.out);
    const maxGradDiff = Math.max(...grads.map((g, i) => maxAbsDiff(g, first!.grads[i]!)));
    if (!(maxOutputDiff <= tol)) failures.push(`outputs on ${backend} differ from ${sequence[0]} by ${maxOutputDiff}`);
    if (!(maxGradDiff <= 10 * tol)) failures.push(`weight gradients on ${backend} differ from ${sequence[0]} by ${maxGradDiff}`);
    runs.push({ backend, maxOutputDiff, maxGradDiff, ms: now() - started });
  }
  trax.disposeTree(model.weights);
  return { model: model.toString(), runs, failures };
}

// ---------------------------------------------------------------------------------------------------------------
// Everything at once, for a person at test.html (the "Run the checks" button)

/** Runs every check in turn (webgl under test, cpu as the reference) and returns their results. */
export async function runAll(trax: TraxModule): Promise<Record<string, unknown>> {
  const started = now();
  const results: Record<string, unknown> = { environment: environment(trax) };
  results['webgl'] = await switchBackend(trax, 'webgl');
  results['wasm'] = await switchBackend(trax, 'wasm');
  results['switching'] = await backendSwitching(trax);
  await trax.useBackend('webgl');
  results['layerSuite'] = await layerSuite(trax, { backend: 'webgl', reference: 'cpu' });
  results['reversible'] = await reversibleGradients(trax, 'webgl');
  results['ms'] = now() - started;
  return results;
}
