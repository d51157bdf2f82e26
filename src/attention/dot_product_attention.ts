import { softmaxGradKernel, softmaxKernel, softmaxKernelsRun } from '../backend/fused/softmax_kernel.js';
import { tf } from '../backend/tf.js';
import type { Tensor } from '../core/types.js';
import type { Key } from '../rng/key.js';
import { bernoulli } from '../rng/random.js';
import { constantFunctionOf, untaped } from './untaped.js';

/**
 * The bias added to the score of a query-key pair that must not attend (Trax uses the same -1e9): large enough
 * that its softmax weight is exactly 0 in float32, finite so that a fully masked row still gives finite numbers.
 * @public
 */
export const MASKED_BIAS = -1e9;

/**
 * The bias added to a token's score for itself in shared-QK attention (Trax's -1e5): a token attends to itself
 * only when no other key is available, yet always above a masked-out key.
 * @public
 */
export const SELF_BIAS = -1e5;

/** Options of {@link dotProductAttention}. @public */
export interface DotProductAttentionOptions {
  /**
   * Where attention is allowed: non-zero (or `true`) entries may attend. Any dtype; broadcastable to the scores'
   * shape `[..., Lq, Lk]`, e.g. a padding mask `[B, 1, 1, Lk]` for scores `[B, H, Lq, Lk]`.
   */
  mask?: Tensor;
  /** Additive biases broadcastable to the scores' shape (masks already in bias form). */
  bias?: Tensor | readonly Tensor[];
  /** Dropout rate on the attention weights (default 0: none). Needs `rng` when positive. */
  dropout?: number;
  /** The key for the dropout noise. */
  rng?: Key;
  /**
   * `true`: one `[Lq, Lk]` dropout pattern shared by all leading axes (Trax's efficient attention, cheap);
   * `false` (default): an independent pattern for every score (Trax's `DotProductAttention`).
   */
  broadcastDropout?: boolean;
  /** The factor applied to the queries (default `1 / sqrt(d)`, with `d` the queries' last axis). */
  scale?: number;
}

/** What {@link dotProductAttentionWithLogsumexp} returns. @public */
export interface AttentionWithLogsumexp {
  /** The attention output `[..., Lq, dV]`. */
  output: Tensor;
  /** The log-sum-exp of each query's (biased) scores, `[..., Lq, 1]`: the normaliser of its softmax. */
  logsumexp: Tensor;
}

/**
 * Masked, scaled dot-product attention: `softmax(q·kᵀ · scale + bias) · v`, over any number of leading (batch,
 * head, chunk) axes: `q` is `[..., Lq, d]`, `k` is `[..., Lk, d]`, `v` is `[..., Lk, dV]`, the result
 * `[..., Lq, dV]`.
 *
 * The products are `tf.matMul` calls with `transposeB` for `q·kᵀ`; on the wasm backend these run on the fast
 * BatchMatMul kernel of `src/backend/replacements/fast_batch_matmul.ts` (explicit transposes, 2-D products).
 * @public
 */
export function dotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: DotProductAttentionOptions = {}): Tensor {
  return attentionCore(q, k, v, options, false).output;
}

/**
 * {@link dotProductAttention} that also returns each query's log-sum-exp of scores, which is what combining
 * several attention rounds needs (LSH attention weights each hashing round by it).
 * @public
 */
export function dotProductAttentionWithLogsumexp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: DotProductAttentionOptions = {},
): AttentionWithLogsumexp {
  const { output, logsumexp } = attentionCore(q, k, v, options, true);
  return { output, logsumexp: logsumexp! };
}

/**
 * A mask (non-zero = may attend) as an additive bias: 0 where allowed, {@link MASKED_BIAS} where not. Gradients
 * treat it as a constant (a float mask receives a zero gradient).
 * @public
 */
export function maskToBias(mask: Tensor): Tensor {
  return constantFunctionOf(mask, (m) => tf.mul(tf.cast(tf.equal(m, 0), 'float32'), MASKED_BIAS));
}

type SaveFn = (tensors: Tensor[]) => void;

/** Disposes `old` and returns `next` (to keep at most one score-sized temporary alive). */
function replace(old: Tensor, next: Tensor): Tensor {
  old.dispose();
  return next;
}

/**
 * The attention computation as one custom-gradient op of `q`, `k`, `v` (biases and the dropout multiplier are
 * constants). Forward: `p = softmax(q·kᵀ·scale + bias)`, `out = (p * keep)·v`, and the log-sum-exp of the scores;
 * only `q`, `k`, `v`, `p` (and `keep`) are kept for the backward pass, which is the textbook softmax-attention
 * gradient: `dv = (p*keep)ᵀ·dOut`, `dp = (dOut·vᵀ) * keep`, `dScores = p * (dp - rowsum(dp * p) + dLse)`,
 * `dq = dScores·k·scale`, `dk = dScoresᵀ·q·scale`.
 *
 * Versus composing tfjs ops this keeps one score-sized tensor for the backward pass instead of about five (tfjs's
 * `add`/`sub` gradients keep both inputs), and the forward pass frees its temporaries as it goes.
 */
function attentionCore(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: DotProductAttentionOptions,
  withLogsumexp: boolean,
): { output: Tensor; logsumexp?: Tensor } {
  const { mask, bias, dropout = 0, rng, broadcastDropout = false } = options;
  if (q.rank < 2 || k.rank !== q.rank || v.rank !== q.rank) {
    throw new Error(`dotProductAttention: q, k and v must have the same rank >= 2, got shapes [${q.shape}], [${k.shape}], [${v.shape}]`);
  }
  const lead = q.shape.slice(0, -2).join(',');
  if (k.shape.slice(0, -2).join(',') !== lead || v.shape.slice(0, -2).join(',') !== lead) {
    throw new Error(`dotProductAttention: q, k and v must have the same leading axes, got shapes [${q.shape}], [${k.shape}], [${v.shape}]`);
  }
  const d = q.shape[q.rank - 1]!;
  if (k.shape[k.rank - 1] !== d) throw new Error(`dotProductAttention: queries have depth ${d} but keys ${k.shape[k.rank - 1]}`);
  if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) {
    throw new Error(`dotProductAttention: ${k.shape[k.rank - 2]} keys but ${v.shape[v.rank - 2]} values`);
  }
  if (dropout < 0 || dropout >= 1) throw new RangeError(`dotProductAttention: dropout must be in [0, 1), got ${dropout}`);
  if (dropout > 0 && !rng) throw new Error('dotProductAttention: dropout needs an rng key');
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const dV = v.shape[v.rank - 1]!;
  const lq = q.shape[q.rank - 2]!;
  const lk = k.shape[k.rank - 2]!;
  const outShape = [...q.shape.slice(0, -1), dV];
  const lseShape = [...q.shape.slice(0, -1), 1];
  const outSize = outShape.reduce((a, b) => a * b, 1);

  return tf.tidy(() => {
    const biases: Tensor[] = bias === undefined ? [] : Array.isArray(bias) ? [...bias] : [bias as Tensor];
    if (mask) biases.unshift(maskToBias(mask));
    const noiseShape = broadcastDropout ? [lq, lk] : [...q.shape.slice(0, -2), lq, lk];
    const keep = dropout > 0 ? untaped(() => tf.div(bernoulli(rng!, 1 - dropout, noiseShape), 1 - dropout)) : undefined;

    const op = tf.customGrad((...args: unknown[]) => {
      const [qq, kk, vv] = args as [Tensor, Tensor, Tensor];
      const save = args[3] as SaveFn;
      const [p, lse] = tf.tidy(() => {
        const scores = tf.tidy(() => {
          let s = tf.matMul(scale === 1 ? qq : tf.mul(qq, scale), kk, false, true);
          for (const b of biases) s = tf.add(s, b);
          return s;
        });
        if (softmaxKernelsRun(scores)) {
          const result = softmaxKernel(scores);
          scores.dispose();
          return result;
        }
        // Softmax with its log-normaliser, one score-sized temporary at a time.
        const shift = tf.max(scores, -1, true);
        const e = replace(
          scores,
          tf.tidy(() => tf.exp(tf.sub(scores, shift))),
        );
        const z = tf.sum(e, -1, true);
        return [replace(e, tf.div(e, z)), tf.add(tf.log(z), shift)];
      });
      const out = tf.matMul(keep ? tf.mul(p, keep) : p, vv);
      save(keep ? [qq, kk, vv, p, keep] : [qq, kk, vv, p]);
      return {
        // Both outputs in one flat tensor (customGrad has one output); contiguous slices separate them again.
        value: withLogsumexp ? tf.concat([out.reshape([-1]), lse!.reshape([-1])], 0) : out,
        gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) =>
          tf.tidy(() => {
            const [qs, ks, vs, ps, keepS] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor | undefined];
            const g = dy as Tensor;
            const dOut = withLogsumexp ? tf.slice(g, 0, outSize).reshape(outShape) : g;
            const dLse = withLogsumexp ? tf.slice(g, outSize, outSize / dV).reshape(lseShape) : undefined;
            const dv = tf.matMul(keepS ? tf.mul(ps, keepS) : ps, dOut, true, false);
            // One score-sized temporary at a time besides p.
            let dp = tf.matMul(dOut, vs, false, true);
            if (keepS) dp = replace(dp, tf.mul(dp, keepS));
            let dScores: Tensor;
            if (softmaxKernelsRun(dp, ps)) {
              dScores = replace(dp, softmaxGradKernel(dp, ps, dLse));
            } else {
              const rowSum = tf.tidy(() => tf.sum(tf.mul(dp, ps), -1, true));
              const shift = dLse ? tf.sub(dLse, rowSum) : tf.neg(rowSum);
              dp = replace(dp, tf.add(dp, shift));
              dScores = replace(dp, tf.mul(ps, dp));
            }
            const dq = tf.matMul(dScores, ks);
            const dk = tf.matMul(dScores, qs, true, false);
            return scale === 1 ? [dq, dk, dv] : [tf.mul(dq, scale), tf.mul(dk, scale), dv];
          }),
      };
    });
    const value = (op as unknown as (a: Tensor, b: Tensor, c: Tensor) => Tensor)(q, k, v);
    if (!withLogsumexp) return { output: value };
    return {
      output: tf.slice(value, 0, outSize).reshape(outShape),
      logsumexp: tf.slice(value, outSize, outSize / dV).reshape(lseShape),
    };
  });
}
