import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { autoregressiveSample, autoregressiveSampleStream, beamSearch, PredictRun, type SampledStep } from '../../src/decoding/index.js';
import type { Layer } from '../../src/core/base.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Mode, Tensor } from '../../src/core/types.js';
import { ReformerLM, TransformerLM } from '../../src/models/index.js';
import { makeKey } from '../../src/rng/key.js';

const VOCAB = 13;
const reformer = (attentionType: 'full' | 'lsh' | 'chunked' | 'local', mode: Mode): Layer =>
  ReformerLM({
    vocabSize: VOCAB,
    dModel: 16,
    dFf: 24,
    nLayers: 2,
    nHeads: 2,
    dropout: 0,
    attentionType,
    chunkLen: 4,
    nHashes: 2,
    localRadius: 3,
    maxLen: 64,
    mode,
  });
const lsh = (nLayers: number, extra: object, mode: Mode): Layer =>
  ReformerLM({
    vocabSize: VOCAB,
    dModel: 16,
    dFf: 24,
    nLayers,
    nHeads: 2,
    dropout: 0,
    attentionType: 'lsh',
    chunkLen: 2,
    maxLen: 64,
    mode,
    ...extra,
  });
/** Models whose cached decoding equals the eval-mode model run on the growing prefix. */
const models: [string, (mode: Mode) => Layer][] = [
  ['ReformerLM, full attention', (mode) => reformer('full', mode)],
  ['ReformerLM, one layer of LSH attention, 2 hashes', (mode) => lsh(1, { nHashes: 2 }, mode)],
  ['ReformerLM, one layer of LSH attention, nBuckets 4', (mode) => lsh(1, { nBuckets: 4 }, mode)],
  ['ReformerLM, chunked attention (chunks of 4, one before)', (mode) => reformer('chunked', mode)],
  ['ReformerLM, causal local attention (radius 3)', (mode) => reformer('local', mode)],
  [
    'TransformerLM',
    (mode) => TransformerLM({ vocabSize: VOCAB, dModel: 16, dFf: 24, nLayers: 2, nHeads: 2, dropout: 0, maxLen: 64, mode }),
  ],
];
/**
 * Multi-layer LSH models: in eval mode a new token changes the first layer's outputs at earlier positions (their
 * hash-sorted chunks move), so no cache reproduces eval on the growing prefix; predict mode computes each position
 * as the last of its prefix, and cached decoding equals that computation redone from scratch on the whole prefix.
 */
const lshModels: [string, (mode: Mode) => Layer][] = [
  ['ReformerLM, two layers of LSH attention, 2 hashes', (mode) => lsh(2, { nHashes: 2, chunkLen: 4 }, mode)],
  ['ReformerLM, two layers of LSH attention, nBuckets 4', (mode) => lsh(2, { nBuckets: 4 }, mode)],
];

/** An eval-mode model and a predict-mode copy with its weights. */
function pair(make: (mode: Mode) => Layer): { full: Layer; predict: Layer } {
  const full = make('eval');
  full.init(shapeDtype([1, 8], 'int32'), { seed: 2 });
  const predict = make('predict');
  predict.init(shapeDtype([1, 8], 'int32'));
  predict.weights = full.weights;
  return { full, predict };
}

/** The full model's log-probabilities of the token after `seq` (run on the whole sequence, no cache). */
function uncachedNext(full: Layer, seq: number[]): Float32Array {
  return tf.tidy(() => {
    const ids = tf.tensor2d([[...seq, 0]], [1, seq.length + 1], 'int32');
    const out = full.pureFn(ids, full.weights, full.state, makeKey(0))[0] as Tensor;
    return tf.slice(out, [0, seq.length, 0], [1, 1, VOCAB]).dataSync() as Float32Array;
  });
}

/** The predict-mode model's log-probabilities of the token after `seq`, recomputed from a fresh state (no cache reuse). */
function recomputedNext(predict: Layer, seq: number[]): Float32Array {
  const run = new PredictRun(predict, 1, seq.length + 1, { prefillChunk: 1000 });
  try {
    return run.feed([[0, ...seq]])[0]!;
  } finally {
    run.dispose();
  }
}

async function collect(stream: AsyncIterable<SampledStep>): Promise<SampledStep[]> {
  const steps: SampledStep[] = [];
  for await (const s of stream) steps.push(s);
  return steps;
}

const maxAbs = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

beforeAll(async () => {
  await useBackend('cpu');
});

describe('decoding with the predict-mode cache [cpu]', () => {
  async function worstError(predict: Layer, reference: (seq: number[]) => Float32Array, temperature: number): Promise<number> {
    const prefix = [3, 5, 7, 1, 9];
    const steps = await collect(autoregressiveSampleStream(predict, { prefix, length: 14, temperature, seed: 4, prefillChunk: 2 }));
    expect(steps).toHaveLength(14);
    const seq = [...prefix];
    let worst = 0;
    for (const step of steps) {
      worst = Math.max(worst, maxAbs(step.logProbs[0]!, reference(seq)));
      seq.push(step.tokens[0]!);
    }
    return worst;
  }

  test.each(models)('%s: cached decoding gives the log-probabilities of the full model on the growing prefix (1e-5)', async (_, make) => {
    const { full, predict } = pair(make);
    for (const temperature of [0, 1]) expect(await worstError(predict, (seq) => uncachedNext(full, seq), temperature)).toBeLessThan(1e-5);
  });

  test.each(lshModels)('%s: cached decoding equals predict mode recomputed on the whole growing prefix (1e-5)', async (_, make) => {
    const { predict } = pair(make);
    for (const temperature of [0, 1])
      expect(await worstError(predict, (seq) => recomputedNext(predict, seq), temperature)).toBeLessThan(1e-5);
  });

  test('greedy decoding takes the most probable token; sampling is seeded; topK 1 is greedy', async () => {
    const { predict } = pair(models[0]![1]);
    const greedySteps = await collect(autoregressiveSampleStream(predict, { prefix: [2, 4], length: 10, temperature: 0 }));
    for (const s of greedySteps) expect(s.tokens[0]).toBe(s.logProbs[0]!.indexOf(Math.max(...s.logProbs[0]!)));
    const greedy = greedySteps.map((s) => s.tokens[0]);
    const a = await autoregressiveSample(predict, { prefix: [2, 4], length: 10, temperature: 1.5, seed: 1 });
    const b = await autoregressiveSample(predict, { prefix: [2, 4], length: 10, temperature: 1.5, seed: 1 });
    const c = await autoregressiveSample(predict, { prefix: [2, 4], length: 10, temperature: 1.5, seed: 2 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(await autoregressiveSample(predict, { prefix: [2, 4], length: 10, temperature: 1.5, topK: 1, seed: 3 })).toEqual([greedy]);
    // A batch of two prompts, each decoded as it is alone.
    const both = await autoregressiveSample(predict, {
      prefix: [
        [2, 4],
        [6, 1],
      ],
      length: 6,
      temperature: 0,
    });
    expect(both[0]).toEqual(greedy.slice(0, 6));
    expect(both[1]).toEqual((await autoregressiveSample(predict, { prefix: [6, 1], length: 6, temperature: 0 }))[0]);
  });

  test('the stream stops at eosId once every sequence produced it, and refuses a model not in predict mode', async () => {
    const { full, predict } = pair(models[5]![1]);
    const greedy = (await autoregressiveSample(predict, { prefix: [2], length: 8, temperature: 0 }))[0]!;
    const eos = greedy[3]!;
    const stopped = (await autoregressiveSample(predict, { prefix: [2], length: 8, temperature: 0, eosId: eos }))[0]!;
    expect(stopped).toEqual(greedy.slice(0, greedy.indexOf(eos) + 1));
    await expect(autoregressiveSample(full, { length: 2 })).rejects.toThrow(/mode 'predict'/);
  });

  test.each([models[0]!, models[5]!])(
    "%s: beam search with one beam is greedy; every beam scores the full model's log-probability",
    async (_, make) => {
      const { full, predict } = pair(make);
      const greedy = (await autoregressiveSample(predict, { prefix: [1, 2], length: 6, temperature: 0 }))[0]!;
      expect((await beamSearch(predict, { prefix: [1, 2], length: 6, beamSize: 1 }))[0]!.tokens).toEqual(greedy);
      const beams = await beamSearch(predict, { prefix: [1, 2], length: 6, beamSize: 3 });
      expect(beams).toHaveLength(3);
      expect(new Set(beams.map((b) => b.tokens.join(','))).size).toBe(3);
      for (let i = 1; i < beams.length; i++) expect(beams[i - 1]!.score).toBeGreaterThanOrEqual(beams[i]!.score);
      for (const beam of beams) {
        const seq = [1, 2];
        let logProb = 0;
        for (const t of beam.tokens) {
          logProb += uncachedNext(full, seq)[t]!;
          seq.push(t);
        }
        expect(Math.abs(logProb - beam.logProb)).toBeLessThan(1e-4);
      }
    },
  );
});
