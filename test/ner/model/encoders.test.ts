/**
 * The tagger's selectable context encoders (`encoder`: reformer, transformer, bilstm, cnn): the configuration and
 * its refusals, the default's layers and weights unchanged, and for each encoder: it builds, masks padding, trains
 * a few steps on a tiny corpus without leaking tensors, exports and reloads to identical outputs.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { tf } from '../../../src/backend/tf.js';
import { namedSerial } from '../../../src/combinators/serial.js';
import { Dense } from '../../../src/layers/core/index.js';
import { namedTensors } from '../../../src/core/named_tensors.js';
import type { Tensor } from '../../../src/core/types.js';
import { ReformerEncoder } from '../../../src/models/index.js';
import { Adam } from '../../../src/optimizers/index.js';
import { makeKey } from '../../../src/rng/key.js';
import { Trainer } from '../../../src/training/trainer.js';
import { encodeExamples } from '../../../src/ner/dataset/examples.js';
import { buildNerVocabs } from '../../../src/ner/dataset/vocabs.js';
import { nerTorchMappingProblem } from '../../../src/ner/export/torch_state.js';
import { exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { PaddedBiLSTM } from '../../../src/rnn/padded_bilstm.js';
import { NerLoss, NerTaggerModel } from '../../../src/ner/model/build.js';
import {
  DEFAULT_NER_MODEL_CONFIG,
  NER_ENCODERS,
  NerConfigError,
  type NerModelConfig,
  resolveNerModelConfig,
} from '../../../src/ner/model/config.js';
import { describeNerEncoder } from '../../../src/ner/model/encoder.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import { TokenEmbedding } from '../../../src/ner/model/token_embedding.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { TINY, tempDir } from '../recipe/helpers.js';
import { CORPUS } from '../tagger/helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('the encoder setting', () => {
  test("defaults to 'reformer'; a configuration saved before the setting existed reads as 'reformer'", () => {
    expect(DEFAULT_NER_MODEL_CONFIG.encoder).toBe('reformer');
    const saved = { ...DEFAULT_NER_MODEL_CONFIG } as Record<string, unknown>;
    delete saved['encoder'];
    expect(resolveNerModelConfig(saved).encoder).toBe('reformer');
    expect(NER_ENCODERS).toEqual(['reformer', 'transformer', 'bilstm', 'cnn']);
    for (const encoder of NER_ENCODERS) expect(resolveNerModelConfig({ encoder, bilstm: false }).encoder).toBe(encoder);
  });

  test.each([
    [{ encoder: 'rnn' }, /encoder must be 'reformer', 'transformer', 'bilstm', 'cnn', got "rnn"/],
    [{ encoder: 3 }, /encoder must be .*, got 3/],
    [{ encoder: 'bilstm', bilstm: true }, /bilstm \(a BiLSTM before the encoder\) with encoder 'bilstm'/],
    [{ encoder: 'bilstm', dModel: 33, nHeads: 1 }, /encoder 'bilstm' needs an even dModel/],
    [{ encoder: 'transformer', reversible: true }, /reversible blocks are the Reformer's; encoder 'transformer' has none/],
    [{ encoder: 'cnn', reversible: true }, /encoder 'cnn' has none/],
  ])('%j is refused with a message naming it', (partial, message) => {
    expect(() => resolveNerModelConfig(partial as Record<string, unknown>)).toThrow(NerConfigError);
    expect(() => resolveNerModelConfig(partial as Record<string, unknown>)).toThrow(message);
  });

  test('each encoder in words; only the Reformer has a PyTorch counterpart', () => {
    const c = (partial: Partial<NerModelConfig>): NerModelConfig => resolveNerModelConfig(partial);
    expect(describeNerEncoder(c({ bilstm: true }))).toBe('BiLSTM + 2 Reformer blocks (local attention, radius 8)');
    expect(describeNerEncoder(c({ encoder: 'transformer', attention: 'full', nLayers: 1 }))).toBe('1 Transformer block (full attention)');
    expect(describeNerEncoder(c({ encoder: 'bilstm' }))).toBe('2 BiLSTM layers');
    expect(describeNerEncoder(c({ encoder: 'cnn' }))).toBe('ID-CNN: 2 applications of dilations 1, 2, 4 (shared weights)');
    expect(nerTorchMappingProblem(c({}))).toBeUndefined();
    expect(nerTorchMappingProblem(c({ encoder: 'cnn' }))).toMatch(/only the Reformer encoder \(encoder 'cnn'; use 'reformer'\)/);
  });
});

const SIZES = { wordVocabSize: 40, charVocabSize: 25, nTags: 7 };

/** The tagger as `NerTaggerModel` built it before the encoder setting existed. */
function modelBeforeEncoders(c: NerModelConfig) {
  return namedSerial('NerTagger', [
    TokenEmbedding(c, SIZES),
    ...(c.bilstm ? [PaddedBiLSTM(c.dModel, 0)] : []),
    ReformerEncoder({
      dModel: c.dModel,
      dFf: c.dFf,
      nLayers: c.nLayers,
      nHeads: c.nHeads,
      attentionType: c.attention,
      ...(c.attention === 'local' ? { localRadius: c.localRadius } : {}),
      dropout: c.dropout,
      ffActivation: c.ffActivation,
      maxLen: c.maxLen,
      reversible: c.reversible,
      padId: 0,
      mode: 'eval',
    }),
    Dense(SIZES.nTags),
  ]);
}

describe('the default encoder', () => {
  test.each([
    ['with the BiLSTM (the recipe default)', { bilstm: true }],
    ['without it', { bilstm: false }],
  ])("is today's model %s: the same layers, weight paths and weights for the same seed", (_name, extra) => {
    const c = resolveNerModelConfig({ ...DEFAULT_NER_MODEL_CONFIG, ...extra });
    const signature = { shape: [2, 5, featureLayout(c).width], dtype: 'int32' as const };
    const now = NerTaggerModel(c, SIZES, 'eval');
    const before = modelBeforeEncoders(c);
    now.init(signature, { seed: 7 });
    before.init(signature, { seed: 7 });
    expect(now.sublayers.map((l) => l.name)).toEqual(before.sublayers.map((l) => l.name));
    const [a, b] = [namedTensors(now), namedTensors(before)];
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [p, t] of a) expect(Array.from(t.dataSync())).toEqual(Array.from(b.get(p)!.dataSync()));
  });
});

/** One batch of the tiny corpus: features `[B, L, F]`, tags `[B, L]`, weights `[B, L]` (0 on padding). */
function batchOf(config: NerModelConfig): { batch: Tensor[]; vocabs: ReturnType<typeof buildNerVocabs> } {
  const vocabs = buildNerVocabs(CORPUS, CORPUS);
  const examples = encodeExamples(CORPUS, vocabs, config);
  const width = featureLayout(config).width;
  const l = Math.max(...examples.map((e) => e[1]!.shape[0]!));
  const features = new Int32Array(examples.length * l * width);
  const tags = new Int32Array(examples.length * l);
  const weights = new Float32Array(examples.length * l);
  examples.forEach(([f, t, w], b) => {
    features.set(f!.data, b * l * width);
    tags.set(t!.data, b * l);
    weights.set(w!.data, b * l);
  });
  const batch = [
    tf.tensor3d(features, [examples.length, l, width], 'int32'),
    tf.tensor2d(tags, [examples.length, l], 'int32'),
    tf.tensor2d(weights, [examples.length, l], 'float32'),
  ];
  return { batch, vocabs };
}

const ENCODER_CONFIGS: Array<[string, Partial<NerModelConfig>]> = [
  ['reformer', { encoder: 'reformer' }],
  ['reformer, reversible, BiLSTM before it', { encoder: 'reformer', reversible: true, bilstm: true }],
  ['transformer', { encoder: 'transformer', attention: 'local', localRadius: 2 }],
  ['bilstm', { encoder: 'bilstm', nLayers: 2 }],
  ['cnn', { encoder: 'cnn', nLayers: 2 }],
  ['cnn, BiLSTM before it', { encoder: 'cnn', bilstm: true }],
];

describe.each(ENCODER_CONFIGS)('encoder %s', (_name, extra) => {
  const config = resolveNerModelConfig({ ...TINY, dropout: 0.1, ...extra });

  test('builds: features [B, L, F] to [B, L, nTags] log-probabilities, the encoder at its place', () => {
    const { batch, vocabs } = batchOf(config);
    const nTags = vocabs.tags.size;
    const model = NerTaggerModel(config, { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags }, 'eval');
    const x = batch[0]!;
    model.init({ shape: x.shape, dtype: 'int32' }, { seed: 2 });
    const names = model.sublayers.map((l) => l.name);
    const expected = {
      reformer: 'ReformerEncoder',
      transformer: 'TransformerEncoder',
      bilstm: 'BiLSTMEncoder',
      cnn: 'IdCnnEncoder',
    }[config.encoder];
    expect(names).toEqual(['TokenEmbedding', ...(config.bilstm ? ['BiLSTM'] : []), expected, `Dense_${nTags}`, 'LogSoftmax']);
    const y = model.call(x) as Tensor;
    expect(y.shape).toEqual([x.shape[0], x.shape[1], nTags]);
    for (const s of tf.exp(y).sum(-1).dataSync()) expect(s).toBeCloseTo(1, 4);
    tf.dispose([...batch, y]);
  });

  test('trains a few steps on a tiny corpus without leaking tensors; exports and reloads to identical outputs', async () => {
    const { batch, vocabs } = batchOf(config);
    const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
    const model = NerTaggerModel(config, sizes, 'train');
    const lossLayer = NerLoss(config, sizes.nTags);
    const optimizer = new Adam({ learningRate: 1e-2 });
    model.init({ shape: batch[0]!.shape, dtype: 'int32' }, { seed: 3 });
    lossLayer.init([
      { shape: [...batch[0]!.shape.slice(0, 2), sizes.nTags], dtype: 'float32' },
      { shape: batch[1]!.shape, dtype: 'int32' },
      { shape: batch[2]!.shape, dtype: 'float32' },
    ]);
    const trainer = new Trainer(model, lossLayer, optimizer);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 8; step++) {
      losses.push(trainer.oneStep(batch, makeKey(step), { learningRate: 1e-2 }).loss);
      counts.push(tf.memory().numTensors);
    }
    // After the first step (which may make lasting tensors such as cached constants), every step leaves as many as it found.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.8);
    trainer.dispose();

    model.mode = 'eval';
    const tagger = new NerTagger({ model, config, vocabs });
    const dir = await exportTagger(tagger, tempDir());
    expect(JSON.parse(readFileSync(path.join(dir, 'tagger.json'), 'utf8')).config.encoder).toBe(config.encoder);
    const loaded = await loadTaggerFromDirectory(dir);
    expect(loaded.config).toEqual(config);
    const emissions = (m: typeof model): number[] => Array.from((m.call(batch[0]!) as Tensor).dataSync());
    expect(emissions(loaded.model as typeof model)).toEqual(emissions(model));
    const sentences = CORPUS.map((s) => s.words);
    expect(loaded.tagTokens(sentences)).toEqual(tagger.tagTokens(sentences));
    // Padding does not leak: a sentence tags the same alone and beside longer ones.
    const alone = loaded.tagTokens([sentences[0]!])[0]!;
    const together = loaded.tagTokens(sentences)[0]!;
    expect(together.tags).toEqual(alone.tags);
    together.confidence.forEach((c, i) => expect(c).toBeCloseTo(alone.confidence[i]!, 5));
    tf.dispose(batch);
    tagger.dispose();
    loaded.dispose();
  });
});
