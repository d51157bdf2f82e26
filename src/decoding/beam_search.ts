import type { Layer } from '../core/base.js';
import { PredictRun, type PredictRunOptions } from './predict_run.js';

/** Options of {@link beamSearch}. @public */
export interface BeamSearchOptions extends PredictRunOptions {
  /** Most tokens to generate. */
  length: number;
  /** Number of beams kept (default 4). */
  beamSize?: number;
  /** The prompt (default none). */
  prefix?: readonly number[];
  /** The token fed first (default 0). */
  startId?: number;
  /** A beam that produces this token is finished (the token is included) and no longer extended. */
  eosId?: number;
  /** Length penalty exponent of the final ranking, `logProb / ((5 + n) / 6)^alpha` (Wu et al. 2016; default 0: none). */
  alpha?: number;
}

/** A finished beam. @public */
export interface Beam {
  /** The tokens generated after the prefix, the end token (`eosId`) included when the beam ended with it. */
  tokens: number[];
  /** The sum of the model's log-probabilities of the tokens. */
  logProb: number;
  /** The rank score (`logProb` with the length penalty). */
  score: number;
}

/**
 * Beam search over a language model in mode `predict` (see {@link autoregressiveSampleStream} for the model's
 * contract): keeps the `beamSize` most probable continuations, extending each by every token at each step, with
 * the beams as the batch of one predict-mode run whose caches are reordered to follow the surviving beams. Returns
 * the beams, best first.
 * @public
 */
export async function beamSearch(model: Layer, options: BeamSearchOptions): Promise<Beam[]> {
  const { length, beamSize = 4, prefix = [], startId = 0, eosId, alpha = 0 } = options;
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`beamSearch: length must be a positive integer, got ${length}`);
  if (!Number.isInteger(beamSize) || beamSize < 1) throw new RangeError(`beamSearch: beamSize must be a positive integer, got ${beamSize}`);
  const run = new PredictRun(model, beamSize, options.maxLen ?? 1 + prefix.length + length, options);
  // Only beam 0 is live at first: the others would repeat it.
  let beams = Array.from({ length: beamSize }, (_, k) => ({ tokens: [] as number[], logProb: k === 0 ? 0 : -Infinity, finished: false }));
  try {
    let logProbs = run.feed(beams.map(() => [startId, ...prefix]));
    for (let step = 0; step < length; step++) {
      const candidates: { parent: number; token: number; logProb: number }[] = [];
      beams.forEach((beam, k) => {
        if (beam.logProb === -Infinity) return;
        if (beam.finished) {
          candidates.push({ parent: k, token: -1, logProb: beam.logProb });
          return;
        }
        logProbs[k]!.forEach((lp, token) => candidates.push({ parent: k, token, logProb: beam.logProb + lp }));
      });
      candidates.sort((a, b) => b.logProb - a.logProb || a.parent - b.parent || a.token - b.token);
      const chosen = candidates.slice(0, beamSize);
      while (chosen.length < beamSize) chosen.push({ parent: chosen[0]!.parent, token: -1, logProb: -Infinity });
      beams = chosen.map((c) => {
        const parent = beams[c.parent]!;
        if (c.token < 0) return { ...parent, tokens: [...parent.tokens], logProb: c.logProb };
        return { tokens: [...parent.tokens, c.token], logProb: c.logProb, finished: c.token === eosId };
      });
      if (step === length - 1 || beams.every((b) => b.finished || b.logProb === -Infinity)) break;
      run.reorder(chosen.map((c) => c.parent));
      // Finished beams are fed a token too (their state is never read again).
      logProbs = run.feed(beams.map((b) => [b.tokens[b.tokens.length - 1] ?? startId]));
    }
  } finally {
    run.dispose();
  }
  const penalty = (n: number): number => ((5 + n) / 6) ** alpha;
  return beams
    .filter((b) => b.logProb > -Infinity)
    .map((b) => ({ tokens: b.tokens, logProb: b.logProb, score: b.logProb / penalty(b.tokens.length) }))
    .sort((a, b) => b.score - a.score);
}
