/**
 * The CRF variant: its transition weights (the loss layer's) are trained with the model, checkpointed and resumed
 * exactly; the tagger decodes with Viterbi and the exported model decodes the same.
 */
import { useBackend } from '../../../src/backend/backends.js';
import { tf } from '../../../src/backend/tf.js';
import { Serial as DataSerial } from '../../../src/data/stream.js';
import { FromArray } from '../../../src/data/sources.js';
import { readCheckpoint } from '../../../src/training/checkpoint.js';
import { EvalTask, Loop, TrainTask } from '../../../src/training/index.js';
import { Adam } from '../../../src/optimizers/index.js';
import { CrfLossLayer } from '../../../src/layers/crf.js';
import { WeightedCategoryAccuracy } from '../../../src/metrics/accuracy.js';
import { encodeExamples } from '../../../src/ner/dataset/examples.js';
import { nerBatches } from '../../../src/ner/dataset/batches.js';
import { loadNerSplits } from '../../../src/ner/dataset/load_corpus.js';
import { buildNerVocabs } from '../../../src/ner/dataset/vocabs.js';
import { NerLoss, NerTaggerModel } from '../../../src/ner/model/build.js';
import { resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { validateTags } from '../../../src/ner/tags/tag_scheme.js';
import { resolveNerModelConfig as resolve } from '../../../src/ner/model/config.js';
import { DEFAULT_RECIPE } from '../../../recipes/ner/options.js';
import { trainNer } from '../../../recipes/ner/train.js';
import { SHIPPED_CORPUS, TINY, tempDir } from './helpers.js';
import { HANG_GUARD_MS } from '../../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const config = resolveNerModelConfig({ ...TINY, crf: true, charFeatures: false });

beforeAll(async () => {
  await useBackend('wasm');
});

async function smallLoop(outputDir: string, steps: number) {
  const { train, dev } = await loadNerSplits(SHIPPED_CORPUS, { limit: 400 });
  const vocabs = buildNerVocabs(train, [...train, ...dev]);
  const model = NerTaggerModel(config, { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size });
  const lossLayer = NerLoss(config, vocabs.tags.size) as CrfLossLayer;
  const task = new TrainTask({
    labeledData: nerBatches(encodeExamples(train, vocabs, config), { seed: 2, batchTokens: 256 }),
    lossLayer,
    optimizer: new Adam({ learningRate: 0.01 }),
    nStepsPerCheckpoint: 5,
  });
  const devBatches = DataSerial(
    FromArray([...(await collectAll(nerBatches(encodeExamples(dev, vocabs, config), { seed: 1, repeat: false })()))], { repeat: true }),
  );
  const evalTask = new EvalTask({ labeledData: devBatches, metrics: [WeightedCategoryAccuracy()] });
  const loop = await Loop(model, task, {
    evalTasks: [evalTask],
    outputDir,
    seed: 3,
    logger: () => undefined,
    progress: false,
    chart: false,
  });
  return { loop, lossLayer, steps };
}

async function collectAll<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of stream) out.push(x);
  return out;
}

const values = (t: unknown): number[] => Array.from((t as tf.Tensor).dataSync());

describe('CRF training', () => {
  test("the loop trains the CRF's transitions, checkpoints them with their slots, and resumes exactly", async () => {
    const dir = tempDir();
    const a = await smallLoop(dir, 10);
    const initial = values(a.lossLayer.weights['transitions']);
    await a.loop.run(5);
    const after5 = values(a.lossLayer.weights['transitions']);
    expect(after5).not.toEqual(initial);
    const checkpoint = await readCheckpoint(a.loop.lastCheckpoint!.dir);
    const n = a.lossLayer.nTags;
    expect([...checkpoint.tensors.weights.keys()]).toContain(`loss/0/CrfLoss_${n}/transitions`);
    expect([...checkpoint.tensors.slots.keys()]).toEqual(
      expect.arrayContaining([`0/loss/CrfLoss_${n}/transitions/m`, `0/loss/CrfLoss_${n}/end/v`]),
    );
    await a.loop.run(5);
    const straight = values(a.lossLayer.weights['transitions']);
    a.loop.dispose();

    // A fresh loop on the same directory restores step 5 (weights, CRF weights and slots) and ends where the first did.
    const b = await smallLoop(dir, 10);
    expect(b.loop.step).toBe(10);
    const dir2 = tempDir();
    const c = await smallLoop(dir2, 5);
    await c.loop.run(5);
    c.loop.dispose();
    const d = await smallLoop(dir2, 5);
    expect(d.loop.step).toBe(5);
    expect(values(d.lossLayer.weights['transitions'])).toEqual(after5);
    await d.loop.run(5);
    const resumed = values(d.lossLayer.weights['transitions']);
    resumed.forEach((v, i) => expect(v).toBeCloseTo(straight[i]!, 5));
    d.loop.dispose();
    b.loop.dispose();
  });

  test('the recipe trains a CRF tagger that decodes valid IOB2 with marginal confidences, before and after export', async () => {
    const runDir = tempDir();
    const run = await trainNer(
      {
        ...DEFAULT_RECIPE,
        outputDir: runDir,
        corpus: SHIPPED_CORPUS,
        limit: 2000,
        steps: 160,
        evalEvery: 80,
        devSentences: 200,
        batchTokens: 768,
        learningRate: 5e-3,
        warmupSteps: 20,
        maxMinutes: 0,
        model: resolve({ ...TINY, crf: true }),
      },
      { log: () => undefined, progress: false },
    );
    expect(run.test!.overall.f1).toBeGreaterThan(0.2);
    const tagger = await loadTaggerFromDirectory(run.modelDir!);
    expect(tagger.crf).toBeDefined();
    const text = 'Officials in Baghdad said the United Nations will meet in Geneva on Monday.';
    const [sentence] = tagger.tag(text);
    expect(() => validateTags(sentence!.tags, 'IOB2')).not.toThrow();
    for (const e of sentence!.entities) {
      expect(text.slice(e.start, e.end)).toBe(e.text);
      expect(e.confidence).toBeGreaterThan(0);
      expect(e.confidence).toBeLessThanOrEqual(1 + 1e-6);
    }
  });
});
