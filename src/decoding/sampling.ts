/**
 * Draws one token from log-probabilities (`logProbs`, one vocabulary's worth) with uniform number `u` in [0, 1):
 * `temperature` 0 takes the most probable token (ties: the lowest id); otherwise the distribution
 * `softmax(logProbs / temperature)`, restricted to the `topK` most probable tokens when `topK` is given.
 * @public
 */
export function sampleToken(logProbs: Float32Array, options: { temperature?: number; topK?: number; u?: number } = {}): number {
  const temperature = options.temperature ?? 1;
  if (!(temperature >= 0) || !Number.isFinite(temperature))
    throw new RangeError(`sampleToken: temperature must be a finite number >= 0, got ${temperature}`);
  const V = logProbs.length;
  if (V === 0) throw new RangeError('sampleToken: empty distribution');
  if (temperature === 0) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logProbs[v]! > logProbs[best]!) best = v;
    return best;
  }
  let allowed: number[] = Array.from({ length: V }, (_, v) => v);
  if (options.topK !== undefined) {
    const k = options.topK;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`sampleToken: topK must be a positive integer, got ${k}`);
    if (k < V)
      allowed = allowed
        .sort((a, b) => logProbs[b]! - logProbs[a]! || a - b)
        .slice(0, k)
        .sort((a, b) => a - b);
  }
  const u = options.u ?? 0;
  if (!(u >= 0 && u < 1)) throw new RangeError(`sampleToken: u must be in [0, 1), got ${u}`);
  let max = -Infinity;
  for (const v of allowed) max = Math.max(max, logProbs[v]! / temperature);
  const weights = allowed.map((v) => Math.exp(logProbs[v]! / temperature - max));
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < allowed.length; i++) {
    acc += weights[i]! / total;
    if (u < acc) return allowed[i]!;
  }
  return allowed[allowed.length - 1]!;
}
