import { tf } from '../../../src/backend/tf.js';
import type { Tensor } from '../../../src/core/types.js';

/**
 * A reference 2-D convolution by loops over plain arrays: `x` `[N, H, W, C]`, `w` `[kh, kw, C, O]`, padding
 * `VALID`, `SAME` (the odd padding element at the end, as JAX) or explicit pairs.
 */
export function naiveConv2d(
  x: Tensor,
  w: Tensor,
  options: { strides: number[]; dilations: number[]; padding: 'VALID' | 'SAME' | Array<[number, number]> },
): Tensor {
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [kh, kw, , o] = w.shape as [number, number, number, number];
  const [sh, sw] = options.strides as [number, number];
  const [dh, dw] = options.dilations as [number, number];
  const reach = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  let pads: Array<[number, number]>;
  if (options.padding === 'VALID')
    pads = [
      [0, 0],
      [0, 0],
    ];
  else if (options.padding === 'SAME') {
    pads = [h, wd].map((size, i) => {
      const stride = [sh, sw][i]!;
      const total = Math.max((Math.ceil(size / stride) - 1) * stride + reach[i]! - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
    });
  } else pads = options.padding;
  const ho = Math.floor((h + pads[0]![0] + pads[0]![1] - reach[0]!) / sh) + 1;
  const wo = Math.floor((wd + pads[1]![0] + pads[1]![1] - reach[1]!) / sw) + 1;
  const xs = x.dataSync();
  const ws = w.dataSync();
  const out = new Float32Array(n * ho * wo * o);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let f = 0; f < o; f++) {
          let acc = 0;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const r = i * sh + p * dh - pads[0]![0];
              const s = j * sw + q * dw - pads[1]![0];
              if (r < 0 || r >= h || s < 0 || s >= wd) continue;
              for (let k = 0; k < c; k++) acc += xs[((b * h + r) * wd + s) * c + k]! * ws[((p * kw + q) * c + k) * o + f]!;
            }
          out[((b * ho + i) * wo + j) * o + f] = acc;
        }
  return tf.tensor4d(out, [n, ho, wo, o]);
}
