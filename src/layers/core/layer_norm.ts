import { layerNormGradKernel, layerNormKernel, layerNormKernelsRun } from '../../backend/fused/layer_norm_kernel.js';
import { tf } from '../../backend/tf.js';
import type { Key } from '../../rng/key.js';
import { Layer } from '../../core/base.js';
import type { ShapeDtype, Signature, Stack, State, Tensor, Weights } from '../../core/types.js';
import { expectFloat, expectRankAtLeast, weightOf } from './checks.js';

type GradSave = (tensors: Tensor[]) => void;
type LayerNormOp = (x: Tensor, scale: Tensor, bias: Tensor) => Tensor;

/**
 * Layer normalisation over the last axis with a hand-written backward pass. The forward pass normalises rows of
 * `[N, D]`; the backward pass uses the closed form `dx = rstd · (g - mean(g) - x̂ · mean(g · x̂))` with
 * `g = dy · scale`, `dscale = Σ dy · x̂` and `dbias = Σ dy` (sums over rows, fast on wasm by the `Sum`
 * replacement of `backend/replacements/wasm_sum.ts`). That is half the kernels of tfjs's automatic gradient of the same forward pass, all of them
 * broadcasting (no Tile; stock tfjs-layers' `layerNormalization` is far slower, see TFJS-NOTES). Second derivatives
 * are not available.
 */
function makeLayerNormOp(epsilon: number): LayerNormOp {
  const op = tf.customGrad(((x: Tensor, scale: Tensor, bias: Tensor, save: GradSave) => {
    const depth = x.shape[x.rank - 1]!;
    const rows = tf.reshape(x, [-1, depth]);
    // One-pass kernels on wasm and cpu (src/backend/fused/layer_norm_kernel.ts); tfjs ops elsewhere.
    const fused = layerNormKernelsRun(x, scale, bias);
    let normalized: Tensor;
    let rstd: Tensor;
    let value: Tensor;
    if (fused) {
      let y: Tensor;
      [y, normalized, rstd] = layerNormKernel(rows, scale, bias, epsilon);
      value = tf.reshape(y, x.shape);
    } else {
      const mean = tf.mean(rows, 1, true);
      const centered = tf.sub(rows, mean);
      const variance = tf.mean(tf.square(centered), 1, true);
      rstd = tf.rsqrt(tf.add(variance, epsilon));
      normalized = tf.mul(centered, rstd);
      value = tf.reshape(tf.add(tf.mul(normalized, scale), bias), x.shape);
    }
    save([normalized, rstd, scale]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xhat, r, s] = saved as [Tensor, Tensor, Tensor];
        const dyRows = tf.reshape(dy, [-1, depth]);
        if (fused && layerNormKernelsRun(dyRows)) {
          const [dx, dScale, dBias] = layerNormGradKernel(dyRows, xhat, r, s);
          return [tf.reshape(dx, dy.shape), dScale, dBias];
        }
        const dBias = tf.sum(dyRows, 0);
        const dScale = tf.sum(tf.mul(dyRows, xhat), 0);
        const g = tf.mul(dyRows, s);
        const meanG = tf.mean(g, 1, true);
        const meanGX = tf.mean(tf.mul(g, xhat), 1, true);
        const dx = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(xhat, meanGX)), r);
        return [tf.reshape(dx, dy.shape), dScale, dBias];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op;
}

/** Options of {@link LayerNorm}. @public */
export interface LayerNormOptions {
  /** Added to the variance before the square root, for stability (default 1e-6, as Trax). */
  epsilon?: number;
}

/**
 * Layer normalisation (Ba et al., 2016): each vector along the last axis is shifted to mean 0 and scaled to
 * variance 1, then multiplied by a learned `scale` and shifted by a learned `bias`:
 * `y = (x - mean) / sqrt(var + epsilon) · scale + bias`, with the mean and (biased) variance taken over the last
 * axis. Weights `{ scale: [D] (ones), bias: [D] (zeros) }`. Its gradient is computed in closed form (see the
 * module notes), which makes the backward pass a few broadcasting kernels on every backend.
 *
 * Options: `epsilon` (default 1e-6).
 * @public
 */
export class LayerNormLayer extends Layer {
  /** Added to the variance before its square root. */
  readonly epsilon: number;
  private readonly op: LayerNormOp;

  constructor(options: LayerNormOptions = {}) {
    super({ name: 'LayerNorm' });
    this.epsilon = options.epsilon ?? 1e-6;
    if (!(this.epsilon >= 0)) throw new RangeError(`LayerNorm: epsilon must be non-negative, got ${this.epsilon}`);
    this.op = makeLayerNormOp(this.epsilon);
  }

  /** `scale` (ones) and `bias` (zeros), each of the input's last-axis size. */
  protected override initWeightsAndState(signature: ShapeDtype[], _rng: Key): { weights: Weights; state: State } {
    const x = signature[0]!;
    expectFloat(x, this.name);
    expectRankAtLeast(x, 1, this.name);
    const depth = x.shape[x.shape.length - 1]!;
    return { weights: { scale: tf.ones([depth]), bias: tf.zeros([depth]) }, state: {} };
  }

  /** The input's signature. */
  protected override outputSignature(signature: ShapeDtype[]): Signature {
    const x = signature[0]!;
    expectFloat(x, this.name);
    return x;
  }

  /** `(x - mean) / sqrt(var + epsilon) · scale + bias` over the last axis. */
  protected forward(inputs: Stack, weights: Weights, state: State, _rng: Key): [Stack, State] {
    const x = inputs as Tensor;
    expectFloat(x, this.name);
    const scale = weightOf(weights, 'scale', this.name);
    const bias = weightOf(weights, 'bias', this.name);
    const depth = x.shape[x.rank - 1];
    if (x.rank < 1 || depth !== scale.shape[0] || depth !== bias.shape[0]) {
      throw new RangeError(`${this.name}: input depth ${depth} does not match scale [${scale.shape}] and bias [${bias.shape}]`);
    }
    return [this.op(x, scale, bias), state];
  }
}

/**
 * Layer normalisation over the last axis (see {@link LayerNormLayer}).
 * @public
 */
export function LayerNorm(options: LayerNormOptions = {}): LayerNormLayer {
  return new LayerNormLayer(options);
}
