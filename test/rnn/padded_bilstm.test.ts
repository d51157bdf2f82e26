/**
 * The tagger's optional BiLSTM (`bilstm`): the padding-aware reversal, the layer's shape, weight paths, padding
 * independence, gradients, configuration, export round trip, and a few recipe training steps through the CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { LSTM } from '../../src/rnn/recurrent.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import type { Tensor } from '../../src/core/types.js';
import { loadTagger } from '../../src/ner/export/load.js';
import { directoryFiles, exportTagger, loadTaggerFromDirectory } from '../../src/ner/export/node_files.js';
import { PaddedBiLSTM, ReverseWithinLength } from '../../src/rnn/padded_bilstm.js';
import { NerTaggerModel } from '../../src/ner/model/build.js';
import { DEFAULT_NER_MODEL_CONFIG, NerConfigError, resolveNerModelConfig } from '../../src/ner/model/config.js';
import { NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { taggerFromCheckpoint } from '../../recipes/ner/checkpoint_tagger.js';
import { runNerCli } from '../../recipes/ner/cli.js';
import { readRunState } from '../../recipes/ner/run_state.js';
import { describeOnBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/gradcheck.js';
import { expectLayerGradientsMatch, expectSignatureMatchesOutput, randn } from '../layers/layer_checks.js';
import { TINY, tempDir } from '../ner/recipe/helpers.js';
import { randomMember } from '../ner/tagger/helpers.js';
import { HANG_GUARD_MS } from '../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

const ids2d = (rows: number[][]): Tensor => tf.tensor2d(rows, undefined, 'int32');

/** Rows `[from, from + n)` of a `[1, L, D]` or `[B, L, D]` tensor's batch entry `b`. */
const positions = (x: Tensor, b: number, n: number): Tensor => tf.slice(x, [b, 0, 0], [1, n, -1]);

describeOnBackends('ReverseWithinLength', () => {
  test('reverses each row within its own length (one past its last real word), padding stays; its own inverse', () => {
    const x = tf.tensor3d([
      [[0], [1], [2], [3]],
      [[10], [11], [12], [13]],
      [[20], [21], [22], [23]],
    ]);
    const ids = ids2d([
      [5, 6, 7, 0],
      [3, 4, 0, 0],
      [9, 8, 7, 6],
    ]);
    const reverse = ReverseWithinLength();
    const y = reverse.call([x, ids]) as Tensor;
    expectClose(
      y,
      [
        [[2], [1], [0], [3]],
        [[11], [10], [12], [13]],
        [[23], [22], [21], [20]],
      ],
      0,
    );
    expectClose(reverse.call([y, ids]) as Tensor, x, 0);
  });

  test('shape as init says; gradients match finite differences (the same reversal of dy)', () => {
    const x = randn([2, 4, 3], 5);
    const ids = ids2d([
      [5, 6, 7, 0],
      [3, 0, 0, 0],
    ]);
    const reverse = ReverseWithinLength();
    expect(expectSignatureMatchesOutput(reverse, [x, ids])).toEqual({ shape: [2, 4, 3], dtype: 'float32' });
    expectLayerGradientsMatch(reverse, [x, ids]);
  });
});

describeOnBackends('PaddedBiLSTM', () => {
  test('x, ids to x + [forward | backward], ids; named BiLSTM, its weights at the documented paths', () => {
    const layer = PaddedBiLSTM(6);
    expect([layer.name, layer.nIn, layer.nOut]).toEqual(['BiLSTM', 2, 2]);
    const x = randn([2, 5, 6], 1);
    const ids = ids2d([
      [4, 5, 6, 0, 0],
      [7, 8, 9, 10, 11],
    ]);
    layer.init(
      [
        { shape: [2, 5, 6], dtype: 'float32' },
        { shape: [2, 5], dtype: 'int32' },
      ],
      { seed: 3 },
    );
    const [y, idsOut] = layer.call([x, ids]) as Tensor[];
    expect(y!.shape).toEqual([2, 5, 6]);
    expect(idsOut).toBe(ids);
    for (const v of y!.dataSync()) expect(Number.isFinite(v)).toBe(true);
    expect([...namedTensors(layer)].map(([p, t]) => `${p} [${t.shape}]`)).toEqual([
      'BiLSTM/1/Parallel/0/LSTM_3/1/Scan/0/LSTMCell_3/w [9,12]',
      'BiLSTM/1/Parallel/0/LSTM_3/1/Scan/0/LSTMCell_3/b [12]',
      'BiLSTM/1/Parallel/1/BackwardLSTM/2/LSTM_3/1/Scan/0/LSTMCell_3/w [9,12]',
      'BiLSTM/1/Parallel/1/BackwardLSTM/2/LSTM_3/1/Scan/0/LSTMCell_3/b [12]',
    ]);
    expect(() => PaddedBiLSTM(7)).toThrow(/dModel must be an even integer >= 2, got 7/);
  });

  test('the halves are the LSTMs run forwards and backwards within each sentence (reference with plain LSTMs)', () => {
    const layer = PaddedBiLSTM(4);
    const x = randn([2, 5, 4], 2);
    const ids = ids2d([
      [4, 5, 6, 0, 0],
      [7, 8, 9, 10, 11],
    ]);
    layer.init(
      [
        { shape: [2, 5, 4], dtype: 'float32' },
        { shape: [2, 5], dtype: 'int32' },
      ],
      { seed: 4 },
    );
    const h = tf.sub((layer.call([x, ids]) as Tensor[])[0]!, x);
    const [fw, bw] = [LSTM(2), LSTM(2)];
    const paths = [...namedTensors(layer).values()];
    for (const [lstm, k] of [
      [fw, 0],
      [bw, 2],
    ] as const) {
      lstm.init({ shape: [1, 3, 4], dtype: 'float32' });
      lstm.sublayers[1]!.sublayers[0]!.weights = { w: paths[k]!, b: paths[k + 1]! };
    }
    // Sentence 0 has 3 words: its forward half is the LSTM over them; its backward half the LSTM over them reversed.
    const words0 = positions(x, 0, 3);
    expectClose(tf.slice(positions(h, 0, 3), [0, 0, 0], [-1, -1, 2]), fw.call(words0) as Tensor, 1e-5);
    expectClose(tf.slice(positions(h, 0, 3), [0, 0, 2], [-1, -1, 2]), tf.reverse(bw.call(tf.reverse(words0, 1)) as Tensor, 1), 1e-5);
    // Sentence 1 fills its row: a plain reversal.
    const words1 = positions(x, 1, 5);
    expectClose(tf.slice(positions(h, 1, 5), [0, 0, 2], [-1, -1, 2]), tf.reverse(bw.call(tf.reverse(words1, 1)) as Tensor, 1), 1e-5);
  });

  test("a sentence's outputs do not depend on its batch's padding", () => {
    const layer = PaddedBiLSTM(8);
    layer.init(
      [
        { shape: [1, 3, 8], dtype: 'float32' },
        { shape: [1, 3], dtype: 'int32' },
      ],
      { seed: 5 },
    );
    const sentence = randn([1, 3, 8], 6);
    const alone = (layer.call([sentence, ids2d([[4, 5, 6]])]) as Tensor[])[0]!;
    // In a batch with a 7-word sentence: padded with 4 zero rows (any values there must not leak in).
    const padded = tf.concat([sentence, tf.fill([1, 4, 8], 3)], 1);
    const batch = tf.concat([padded, randn([1, 7, 8], 7)], 0);
    const inBatch = (
      layer.call([
        batch,
        ids2d([
          [4, 5, 6, 0, 0, 0, 0],
          [2, 3, 4, 5, 6, 7, 8],
        ]),
      ]) as Tensor[]
    )[0]!;
    expectClose(positions(inBatch, 0, 3), alone, 1e-5);
    for (const v of inBatch.dataSync()) expect(Number.isFinite(v)).toBe(true);
  });

  test('gradients match finite differences (x and both cells)', () => {
    const layer = PaddedBiLSTM(4);
    layer.init(
      [
        { shape: [2, 4, 4], dtype: 'float32' },
        { shape: [2, 4], dtype: 'int32' },
      ],
      { seed: 8 },
    );
    expectLayerGradientsMatch(layer, [
      randn([2, 4, 4], 9, 0.5),
      ids2d([
        [3, 4, 5, 0],
        [6, 7, 8, 9],
      ]),
    ]);
  });
});

describe('the bilstm setting', () => {
  test('defaults to false; refused when not a boolean, or with an odd dModel', () => {
    expect(DEFAULT_NER_MODEL_CONFIG.bilstm).toBe(false);
    // A configuration saved before the setting existed (no bilstm key) resolves with it off.
    const { bilstm: _omitted, ...old } = DEFAULT_NER_MODEL_CONFIG;
    expect(resolveNerModelConfig(old).bilstm).toBe(false);
    expect(resolveNerModelConfig({ bilstm: true }).bilstm).toBe(true);
    for (const [partial, message] of [
      [{ bilstm: 'yes' }, /bilstm must be true or false, got "yes"/],
      [{ bilstm: 1 }, /bilstm must be true or false, got 1/],
      [{ bilstm: true, dModel: 33, nHeads: 3 }, /bilstm needs an even dModel \(dModel \/ 2 units each way\), got dModel 33/],
    ] as const) {
      expect(() => resolveNerModelConfig(partial as Record<string, unknown>)).toThrow(NerConfigError);
      expect(() => resolveNerModelConfig(partial as Record<string, unknown>)).toThrow(message);
    }
    expect(resolveNerModelConfig({ dModel: 33, nHeads: 3 }).dModel).toBe(33);
  });

  test('off: the layers and weight paths of earlier models; on: BiLSTM at index 1, the rest one further', () => {
    const sizes = { wordVocabSize: 30, charVocabSize: 20, nTags: 5 };
    const signature = { shape: [1, 1, 1], dtype: 'int32' as const };
    const words = { ...TINY, charFeatures: false, wordShapes: false };
    const off = NerTaggerModel(words, sizes, 'eval');
    off.init(signature);
    expect(off.sublayers.map((l) => l.name)).toEqual(['TokenEmbedding', 'ReformerEncoder', 'Dense_5', 'LogSoftmax']);
    const offPaths = [...namedTensors(off).keys()];
    expect(offPaths.filter((p) => /LSTM/.test(p))).toEqual([]);
    expect(offPaths.filter((p) => p.startsWith('NerTagger/2/'))).toEqual(['NerTagger/2/Dense_5/w', 'NerTagger/2/Dense_5/b']);
    const on = NerTaggerModel({ ...words, bilstm: true }, sizes, 'eval');
    on.init(signature);
    expect(on.sublayers.map((l) => l.name)).toEqual(['TokenEmbedding', 'BiLSTM', 'ReformerEncoder', 'Dense_5', 'LogSoftmax']);
    const onPaths = [...namedTensors(on).keys()];
    expect(onPaths.filter((p) => p.startsWith('NerTagger/1/'))).toEqual([
      'NerTagger/1/BiLSTM/1/Parallel/0/LSTM_16/1/Scan/0/LSTMCell_16/w',
      'NerTagger/1/BiLSTM/1/Parallel/0/LSTM_16/1/Scan/0/LSTMCell_16/b',
      'NerTagger/1/BiLSTM/1/Parallel/1/BackwardLSTM/2/LSTM_16/1/Scan/0/LSTMCell_16/w',
      'NerTagger/1/BiLSTM/1/Parallel/1/BackwardLSTM/2/LSTM_16/1/Scan/0/LSTMCell_16/b',
    ]);
    // Everything else is the model without it, one index further.
    expect(
      onPaths
        .filter((p) => !p.startsWith('NerTagger/1/'))
        .map((p) => p.replace(/^NerTagger\/(\d+)\//, (_, i) => `NerTagger/${Number(i) > 1 ? Number(i) - 1 : i}/`)),
    ).toEqual(offPaths);
  });
});

describe('a tagger with a BiLSTM', () => {
  const words = [
    ['Thousands', 'marched', 'in', 'London', '.'],
    ['George', 'W.', 'Bush', 'visited', 'Iraq', 'in', '2005', 'and', 'met', 'NATO', 'in', 'Paris', '.'],
  ];

  test('tags a sentence the same alone and beside a longer one (padding does not leak)', () => {
    const tagger = new NerTagger(randomMember(11, { bilstm: true, crf: false }));
    const alone = tagger.tagTokens([words[0]!])[0]!;
    const together = tagger.tagTokens(words)[0]!;
    expect(together.tags).toEqual(alone.tags);
    together.confidence.forEach((c, i) => expect(c).toBeCloseTo(alone.confidence[i]!, 5));
  });

  test('exports and loads (Node directory and browser reader) with the same weights and predictions', async () => {
    const tagger = new NerTagger(randomMember(12, { bilstm: true, crf: true }));
    const dir = await exportTagger(tagger, tempDir());
    const manifest = JSON.parse(readFileSync(path.join(dir, 'tagger.json'), 'utf8'));
    expect(manifest.config.bilstm).toBe(true);
    const names = manifest.weightsManifest[0].weights.map((w: { name: string }) => w.name) as string[];
    expect(names.filter((n) => n.includes('/BiLSTM/'))).toHaveLength(4);
    const loaded = await loadTaggerFromDirectory(dir);
    const viaReader = await loadTagger(async (name) => new Uint8Array((await directoryFiles(dir)(name)) as Uint8Array), 'reader');
    const expected = tagger.tagTokens(words);
    expect(loaded.tagTokens(words)).toEqual(expected);
    expect(viaReader.tagTokens(words)).toEqual(expected);
    for (const [p, t] of namedTensors(loaded.model))
      expect(Array.from(t.dataSync())).toEqual(Array.from(namedTensors(tagger.model).get(p)!.dataSync()));
  });
});

describe('the recipe with --bilstm', () => {
  test('trains a few steps, logs the BiLSTM, and exports a model that loads and tags as the in-memory tagger', async () => {
    const dir = tempDir();
    let out = '';
    const code = await runNerCli(
      [
        'train',
        '--bilstm',
        '--limit',
        '200',
        '--steps',
        '3',
        '--output',
        dir,
        '--eval-every',
        '3',
        '--dev-sentences',
        '20',
        '--batch-tokens',
        '256',
        '--layers',
        '1',
        '--d-model',
        '32',
        '--d-ff',
        '64',
        '--heads',
        '2',
        '--char-filters',
        '16',
        '--max-word-length',
        '8',
        '--backend',
        'wasm',
        '--no-progress',
      ],
      (t) => (out += t),
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^Model: 1 blocks, dModel 32, .*, BiLSTM(, CRF)?$/m);
    const state = (await readRunState(dir))!;
    expect(state.settings.model.bilstm).toBe(true);
    expect(existsSync(path.join(dir, 'model', 'tagger.json'))).toBe(true);
    const exported = await loadTaggerFromDirectory(path.join(dir, 'model'));
    expect(exported.config.bilstm).toBe(true);
    expect(exported.model.sublayers.map((l) => l.name)).toContain('BiLSTM');
    const inMemory = await taggerFromCheckpoint(path.join(dir, 'best_dev_f1'), state.settings.model, state.vocabs);
    const text =
      'Thousands of demonstrators have marched through London to protest the war in Iraq. President Bush met officials in Baghdad.';
    expect(exported.tag(text)).toEqual(inMemory.tag(text));
    const tokens = [text.split(' '), ['London', '.']];
    expect(exported.tagTokens(tokens)).toEqual(inMemory.tagTokens(tokens));
  });
});
