/**
 * A tiny NER tagger for the demo's browser tests, made in Node in a few seconds: vocabularies from the first
 * sentences of the shipped GMB corpus, a 1-block model of width 32, a few dozen Adam steps on wasm (so that it
 * tags something: capitalised words, times), exported with `exportTagger` like the recipe's model.
 *
 * Also makes the broken model directories the demo must report in the page (a missing weights.bin, a newer
 * format version).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '../../src/backend/backends.js';
import { tf } from '../../src/backend/tf.js';
import type { CrfParameters } from '../../src/layers/crf.js';
import { treeLeaves } from '../../src/core/tensor_tree.js';
import type { Tensor } from '../../src/core/types.js';
import { readNerCorpus } from '../../src/ner/dataset/load_corpus.js';
import { buildNerVocabs } from '../../src/ner/dataset/vocabs.js';
import { exportTagger } from '../../src/ner/export/node_files.js';
import { NerLoss, NerTaggerModel } from '../../src/ner/model/build.js';
import { type NerModelConfig, resolveNerModelConfig } from '../../src/ner/model/config.js';
import { encodeFeatures, featureLayout } from '../../src/ner/model/features.js';
import type { Sentence } from '../../src/ner/sentence.js';
import { splitSentences } from '../../src/ner/split_sentences.js';
import { NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { Adam } from '../../src/optimizers/index.js';
import { foldIn, makeKey } from '../../src/rng/key.js';
import { Trainer } from '../../src/training/trainer.js';

/** The shipped corpus, relative to the repository root (jest runs there). */
export const SHIPPED_CORPUS = 'data/gmb/ner_dataset.csv.gz';

/** The tiny model: every feature of the recipe's model (word shapes, char CNN, reversible blocks), much smaller. */
export const TINY_CONFIG: NerModelConfig = resolveNerModelConfig({
  nLayers: 1,
  dModel: 32,
  dFf: 64,
  nHeads: 2,
  dChar: 8,
  charFilters: 16,
  maxWordLength: 12,
  dropout: 0.1,
  maxLen: 64,
});

/** One padded batch: features `[B, L, F]`, tag ids `[B, L]`, weights `[B, L]` (0 at padding). */
function batchOf(sentences: readonly Sentence[], tagger: Pick<NerTagger, 'vocabs' | 'config'>): Tensor[] {
  const width = featureLayout(tagger.config).width;
  const length = Math.max(...sentences.map((s) => s.words.length));
  const features = new Int32Array(sentences.length * length * width);
  const tags = new Int32Array(sentences.length * length);
  const weights = new Float32Array(sentences.length * length);
  sentences.forEach((s, b) => {
    encodeFeatures(s.words, tagger.vocabs, tagger.config, features, b * length * width);
    tags.set(tagger.vocabs.tags.encode(s.tags), b * length);
    weights.fill(1, b * length, b * length + s.words.length);
  });
  return [
    tf.tensor(features, [sentences.length, length, width], 'int32'),
    tf.tensor(tags, [sentences.length, length], 'int32'),
    tf.tensor(weights, [sentences.length, length], 'float32'),
  ];
}

export interface TinyTaggerOptions {
  /** Corpus sentences read (vocabularies and training). */
  sentences?: number;
  steps?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** A CRF tagger (its transition scores trained with the model, as the recipe's `best` preset does). */
  crf?: boolean;
}

/** Trains the tiny tagger on wasm and returns it with its training losses. */
export async function trainTinyTagger(
  options: TinyTaggerOptions = {},
): Promise<{ tagger: NerTagger; losses: number[]; corpus: Sentence[] }> {
  const { sentences: n = 400, steps = 40, batchSize = 32, learningRate = 0.01, seed = 1 } = options;
  const config = options.crf ? resolveNerModelConfig({ ...TINY_CONFIG, crf: true }) : TINY_CONFIG;
  await useBackend('wasm');
  const corpus = (await readNerCorpus(SHIPPED_CORPUS, { limit: n })).filter((s) => s.words.length <= config.maxLen);
  const vocabs = buildNerVocabs(corpus, corpus, { minWordCount: 2 });
  const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  const model = NerTaggerModel(config, sizes, 'train');
  model.init({ shape: [1, 1, featureLayout(config).width], dtype: 'int32' }, { seed });
  const lossLayer = NerLoss(config, sizes.nTags);
  lossLayer.init([
    { shape: [1, 1, sizes.nTags], dtype: 'float32' },
    { shape: [1, 1], dtype: 'int32' },
    { shape: [1, 1], dtype: 'float32' },
  ]);
  const optimizer = new Adam({ learningRate, clipGradNorm: 1 });
  const trainer = new Trainer(model, lossLayer, optimizer);
  const parts = { vocabs, config };
  // Sentences of similar length together, so that little of each batch is padding.
  const sorted = [...corpus].sort((a, b) => a.words.length - b.words.length);
  const batches: Sentence[][] = [];
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
  const losses: number[] = [];
  const key = makeKey(seed);
  for (let step = 1; step <= steps; step++) {
    const batch = batchOf(batches[(step * 7) % batches.length]!, parts);
    try {
      const r = trainer.oneStep(batch, foldIn(key, step), { learningRate, step });
      losses.push(r.loss);
    } finally {
      tf.dispose(batch);
    }
  }
  trainer.dispose();
  model.mode = 'eval';
  let crf: CrfParameters | undefined;
  if (config.crf) {
    const w = lossLayer.weights as Record<string, Tensor>;
    const read = (name: string): Float32Array => Float32Array.from(w[name]!.dataSync());
    crf = { transitions: read('transitions'), start: read('start'), end: read('end') };
    tf.dispose(treeLeaves(lossLayer.weights));
  }
  return { tagger: new NerTagger({ model, config, vocabs, ...(crf ? { crf } : {}) }), losses, corpus };
}

/**
 * Writes the model directories the demo test serves under `root`: `good/` (the tagger), `no-weights/` (its
 * weights.bin removed) and `newer-version/` (tagger.json with formatVersion 99).
 */
export async function writeModelDirectories(
  tagger: NerTagger,
  root: string,
  metadata: Record<string, unknown> = {},
): Promise<Record<'good' | 'noWeights' | 'newerVersion', string>> {
  const good = await exportTagger(tagger, join(root, 'good'), metadata);
  const noWeights = join(root, 'no-weights');
  const newerVersion = join(root, 'newer-version');
  for (const dir of [noWeights, newerVersion]) mkdirSync(dir, { recursive: true });
  for (const file of ['tagger.json', 'vocabs.json']) copyFileSync(join(good, file), join(noWeights, file));
  for (const file of ['vocabs.json', 'weights.bin']) copyFileSync(join(good, file), join(newerVersion, file));
  const manifest = JSON.parse(readFileSync(join(good, 'tagger.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(newerVersion, 'tagger.json'), JSON.stringify({ ...manifest, formatVersion: 99 }));
  return { good, noWeights, newerVersion };
}

/**
 * What the demo page's `scores` computes, in Node: per sentence of `text` (split as `NerTagger.tag` does), per
 * token, the model's log-probability of every tag.
 */
export function nodeScores(tagger: NerTagger, text: string): number[][][] {
  const { config, vocabs, model } = tagger;
  const width = featureLayout(config).width;
  return splitSentences(text).map((s) => {
    const words = s.tokens.map((t) => t.text);
    const rows: number[][] = [];
    for (let offset = 0; offset < words.length; offset += config.maxLen) {
      const piece = words.slice(offset, offset + config.maxLen);
      const out = tf.tidy(() => {
        const input = tf.tensor(encodeFeatures(piece, vocabs, config), [1, piece.length, width], 'int32');
        return model.pureFn(input, model.weights, model.state, makeKey(0))[0] as Tensor;
      });
      const data = out.dataSync();
      const nTags = out.shape[2]!;
      out.dispose();
      for (let t = 0; t < piece.length; t++) rows.push(Array.from(data.subarray(t * nTags, (t + 1) * nTags)));
    }
    return rows;
  });
}
