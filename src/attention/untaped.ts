import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';

/**
 * Runs `f` without recording its ops on the gradient tape and returns its result as a tensor that no gradient
 * flows through (a stop-gradient).
 *
 * Two reasons to keep computations off the tape while a gradient is being recorded:
 * - integer bookkeeping derived from differentiable values (LSH buckets from the queries): tfjs walks every recorded
 *   path from the inputs to the loss and fails on ops without gradients (`TopK`) or with integer gradients;
 * - memory: tfjs records every op run under `tf.grads`, differentiable or not, and keeps the inputs its gradient
 *   would need (`add` keeps both operands) until the backward pass ends; building a score-sized bias of constants
 *   would keep several score-sized tensors alive for nothing.
 *
 * `f` runs as the forward pass of a `customGrad` with no inputs, which the engine does not tape inside, and whose
 * output depends on no differentiated tensor.
 */
export function untaped(f: () => Tensor): Tensor {
  const op = tf.customGrad(() => ({ value: tf.tidy(f), gradFunc: () => [] as Tensor[] }));
  return op();
}

/** {@link untaped} for a function giving several tensors. */
export function untapedAll(f: () => Tensor[]): Tensor[] {
  let rest: Tensor[] = [];
  const first = untaped(() => {
    const all = f();
    rest = all.slice(1).map((t) => tf.keep(t));
    return all[0]!;
  });
  // Back into the current scope: a clone shares the data; the kept original is released.
  return [
    first,
    ...rest.map((t) => {
      const tracked = t.clone();
      t.dispose();
      return tracked;
    }),
  ];
}

/**
 * `f(x)` as a function that gradients treat as constant: the result is computed untaped and `x` receives a zero
 * gradient. For masks: a float mask may sit among the tensors a caller differentiates (a reversible layer
 * differentiates every float input), and comparisons such as `notEqual` have no gradient in tfjs.
 */
export function constantFunctionOf(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const input = args[0] as Tensor;
    return { value: tf.tidy(() => f(input)), gradFunc: () => tf.zeros(input.shape) };
  });
  return op(x);
}
