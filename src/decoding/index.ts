/**
 * Decoding with language models in mode `predict`: sampling (greedy, with temperature and top-k) streamed one
 * token at a time, and beam search; both drive the model's predict-mode caches, so each token costs time linear in
 * the tokens before it.
 */
export { autoregressiveSample, autoregressiveSampleStream, type SampledStep, type SampleOptions } from './autoregressive_sample.js';
export { type Beam, beamSearch, type BeamSearchOptions } from './beam_search.js';
export { freshPredictState, PredictRun, type PredictRunOptions } from './predict_run.js';
export { sampleToken } from './sampling.js';
