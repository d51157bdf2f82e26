import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import { keepView, untrackKept } from './tensor_lifetimes.js';

/** The parts of tfjs's engine the reversible machinery reaches into (not in tfjs's public typings). */
interface EngineInternals {
  state: { activeTape: unknown; scopeStack: Array<{ id: number; name: string }> };
  isTapeOn(): boolean;
  gradients(f: () => Tensor, xs: Tensor[], dy?: Tensor, allowNoGradients?: boolean): { value: Tensor; grads: Array<Tensor | undefined> };
}

function engine(): EngineInternals {
  return tf.engine();
}

/**
 * Whether tfjs is recording operations for a gradient right now (inside `tf.grads`' function and outside any
 * kernel). A reversible stack only pays for its custom backward pass when this is true.
 */
export function isRecordingGradients(): boolean {
  return engine().isTapeOn();
}

/** What {@link vjp} returns. */
export interface VjpResult {
  /** The outputs of `f`, tracked in the caller's scope. */
  outputs: Tensor[];
  /** The gradient of `sum_i <outputs[i], cts[i]>` for each of `xs` (zeros where an input does not matter). */
  grads: Tensor[];
}

/**
 * Runs `f` once under a fresh gradient tape and returns its outputs together with the vector-Jacobian product
 * of the cotangents `cts` (one per output; `null` for outputs that get no gradient) with respect to `xs`.
 *
 * `f` must use the very tensor objects in `xs` (gradients are found by tensor identity). The engine's active
 * tape is saved and restored around the nested gradient computation, so this is safe inside a `tf.customGrad`
 * gradient function: tfjs's `tf.grads` alone would replace the outer tape and break the enclosing backward pass.
 */
export function vjp(f: () => Tensor[], xs: readonly Tensor[], cts: ReadonlyArray<Tensor | null>): VjpResult {
  if (xs.length === 0) return { outputs: f(), grads: [] };
  const e = engine();
  const savedTape = e.state.activeTape;
  const live = cts.flatMap((ct, i) => (ct === null ? [] : [i]));
  const single = live.length === 1 ? live[0]! : -1;
  let kept: Tensor[] = [];
  try {
    const { value, grads } = e.gradients(
      () => {
        const outs = f();
        if (outs.length !== cts.length) throw new Error(`vjp: the function gave ${outs.length} outputs for ${cts.length} cotangents`);
        // Outputs other than the one returned would be disposed with the forward scope: keep a view (no copy).
        kept = outs.map((o, i) => (i === single ? o : keepView(o)));
        if (single >= 0) return outs[single]!;
        let total: Tensor = tf.scalar(0);
        for (const i of live) total = tf.add(total, tf.sum(tf.mul(outs[i]!, cts[i]!)));
        return total;
      },
      [...xs],
      single >= 0 ? (cts[single] as Tensor) : undefined,
      true,
    );
    const outputs = kept.map((k, i) => (i === single ? value : untrackKept(k)));
    kept = [];
    return { outputs, grads: grads.map((g, i) => g ?? tf.zeros(xs[i]!.shape, 'float32')) };
  } finally {
    for (const k of kept) k.dispose();
    e.state.activeTape = savedTape;
  }
}

/**
 * Whether `t` certainly outlives the forward pass of the gradient computation under way, so that a backward pass
 * may use it without keeping a copy: it is kept, a variable, made outside any `tf.tidy`, or owned by a scope that
 * encloses the `tf.grads` call (tfjs runs the differentiated function in a scope named `forward`, and disposes what
 * that scope owns when it ends). When unsure it answers false.
 */
export function outlivesForwardPass(t: Tensor): boolean {
  const stack = engine().state.scopeStack;
  const first = stack.findIndex((s) => s.name === 'forward');
  if (first < 0) return false;
  const owner = t as unknown as { scopeId?: number; kept?: boolean };
  if (owner.kept === true || owner.scopeId === undefined) return true;
  return !stack.slice(first).some((s) => s.id === owner.scopeId);
}
