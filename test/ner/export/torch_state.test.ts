import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../../src/backend/tf.js';
import { useBackend } from '../../../src/backend/backends.js';
import { decodeSafetensors, SafetensorsError } from '../../../src/io/safetensors.js';
import { loadNamedWeights } from '../../../src/core/load_named_weights.js';
import type { CrfParameters } from '../../../src/layers/crf.js';
import { disposeTree, mapTree } from '../../../src/core/tensor_tree.js';
import { namedTensors } from '../../../src/core/named_tensors.js';
import type { SerialLayer } from '../../../src/combinators/serial.js';
import { NerTaggerModel } from '../../../src/ner/model/build.js';
import { DEFAULT_NER_MODEL_CONFIG, type NerModelConfig, resolveNerModelConfig } from '../../../src/ner/model/config.js';
import { featureLayout } from '../../../src/ner/model/features.js';
import { WORD_SHAPE_COUNT } from '../../../src/ner/vocab/word_shape.js';
import {
  exportNerTorchSafetensors,
  importNerTorchSafetensors,
  NER_TORCH_CONFIG_KEY,
  nerTorchMapping,
  nerTorchMappingProblem,
  nerTorchStateDict,
  nerWeightsFromTorchStateDict,
} from '../../../src/ner/export/torch_state.js';
import { makeKey, normalFloats, splitKey } from '../../../src/rng/key.js';
import { normal } from '../../../src/rng/random.js';
import { LIKE_FOR_LIKE } from '../../../bench/common/like_for_like.js';
import { describeOnBackends } from '../../helpers/backends.js';
import { describeWithTorch } from '../../helpers/python_torch.js';

const SIZES = { wordVocabSize: 200, charVocabSize: 30, nTags: 9 };
const SCRIPT = 'bench/peers/ner_trax_torch.py';
/** The recipe's default model (recipes/ner/options.ts): word shapes, character CNN, BiLSTM, local attention, CRF. */
const RECIPE_DEFAULT: Partial<NerModelConfig> = { ...DEFAULT_NER_MODEL_CONFIG, bilstm: true };
const CONFIGS = [
  ['like-for-like', LIKE_FOR_LIKE],
  ['recipe default', RECIPE_DEFAULT],
] as const;

/** A tagger with seeded weights, every weight (norms and biases too) moved off its initial value; a CRF's scores too. */
function tagger(
  seed: number,
  config: Partial<NerModelConfig>,
): { model: SerialLayer; config: Partial<NerModelConfig>; crf?: CrfParameters } {
  const model = NerTaggerModel(config, SIZES, 'eval');
  model.init({ shape: [1, 1, featureLayout(resolveNerModelConfig(config)).width], dtype: 'int32' }, { seed });
  const keys = splitKey(makeKey(seed + 100), namedTensors(model).size + 1);
  let k = 0;
  const old = model.weights;
  model.weights = mapTree(old, (t) => tf.tidy(() => tf.add(t, normal(keys[k++]!, t.shape, 0.1))));
  disposeTree(old);
  if (!resolveNerModelConfig(config).crf) return { model, config };
  const n = SIZES.nTags;
  const r = normalFloats(keys[k]!, n * n + 2 * n);
  return { model, config, crf: { transitions: r.slice(0, n * n), start: r.slice(n * n, n * n + n), end: r.slice(n * n + n) } };
}

/** A batch of 4 sentences of lengths 12, 7, 3, 9 (0 = padding) as token features of the configuration, with tags. */
function batch(config: Partial<NerModelConfig>): { features: number[][][]; mask: number[][]; tags: number[][] } {
  const c = resolveNerModelConfig(config);
  const layout = featureLayout(c);
  const lengths = [12, 7, 3, 9];
  const L = Math.max(...lengths);
  const features = lengths.map((n, b) =>
    Array.from({ length: L }, (_, i) => {
      const row = new Array<number>(layout.width).fill(0);
      if (i >= n) return row;
      row[0] = 1 + ((b * 37 + i * 53) % 199);
      if (layout.shapeColumn >= 0) row[layout.shapeColumn] = (b + 3 * i) % WORD_SHAPE_COUNT;
      if (layout.charColumn >= 0)
        for (let j = 0; j < 2 + ((b + i) % 7); j++) row[layout.charColumn + j] = 1 + ((b * 11 + i * 7 + j * 5) % 29);
      return row;
    }),
  );
  const mask = lengths.map((n) => Array.from({ length: L }, (_, i) => (i < n ? 1 : 0)));
  const tags = lengths.map((n, b) => Array.from({ length: L }, (_, i) => (i < n ? (b + i * 5) % 9 : 0)));
  return { features, mask, tags };
}

function scores(model: SerialLayer, features: number[][][]): number[][][] {
  const x = tf.tensor3d(features, [features.length, features[0]!.length, features[0]![0]!.length], 'int32');
  const y = model.call(x) as tf.Tensor;
  const out = y.arraySync() as number[][][];
  tf.dispose([x, y]);
  return out;
}

/** The largest |a - b| over the real (unpadded) positions. */
function maxDiff(a: number[][][], b: number[][][], mask: number[][]): number {
  let worst = 0;
  mask.forEach((row, i) =>
    row.forEach((m, j) => {
      if (m) a[i]![j]!.forEach((v, t) => (worst = Math.max(worst, Math.abs(v - b[i]![j]![t]!))));
    }),
  );
  return worst;
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
}

describeOnBackends('NER weights under PyTorch names', () => {
  test.each(CONFIGS)('%s: every weight has a PyTorch name; the mapping there and back is bit-identical', (_, config) => {
    const parts = tagger(1, config);
    const c = resolveNerModelConfig(config);
    const state = nerTorchStateDict(parts);
    const d = 128;
    expect(state.get('embed.weight')!.shape).toEqual([200, d]);
    expect(state.get('pos')!.shape).toEqual([128, d]);
    expect(state.get('blocks.1.attn.in_proj_weight')!.shape).toEqual([3 * d, d]);
    expect(state.get('blocks.0.ff.0.weight')!.shape).toEqual([512, d]);
    expect(state.get('out.weight')!.shape).toEqual([9, d]);
    const w = namedTensors(parts.model);
    const find = (re: RegExp): tf.Tensor => [...w].find(([p]) => re.test(p))![1];
    // Values moved as the transforms say: out.weight is the Dense kernel transposed; in_proj rows d..2d are wkᵀ.
    expect(bits(state.get('out.weight')!)).toEqual(bits(tf.transpose(find(/^NerTagger\/\d\/Dense_9\/w$/))));
    expect(bits(tf.slice(state.get('blocks.1.attn.in_proj_weight')!, [d, 0], [d, d]))).toEqual(
      bits(tf.transpose(find(/ReversibleSerial\/1\/.*\/wk$/))),
    );
    if (c.bilstm) {
      // Gates i, j, f, o (trax-ts) are PyTorch's i, f, g, o: PyTorch's forget rows are trax-ts's third block of columns.
      const cell = find(/Parallel\/0\/LSTM_64\/.*\/w$/);
      expect(bits(tf.slice(state.get('bilstm_fw.weight_ih_l0')!, [64, 0], [64, d]))).toEqual(
        bits(tf.transpose(tf.slice(cell, [0, 128], [d, 64]))),
      );
      expect(bits(state.get('bilstm_bw.bias_hh_l0')!)).toEqual(bits(tf.zeros([256])));
      expect(state.get('char_conv.weight')!.shape).toEqual([64, 32, 3]);
      expect(state.get('crf.transitions')!.shape).toEqual([9, 9]);
    }
    // One tensor per name of the documented mapping (the LSTM groups have four each), and no others.
    const names = nerTorchMapping(config).flatMap((row) => row.torch.map((t) => t.replace('{i}', '*')));
    expect(new Set([...state.keys()].map((k) => k.replace(/^blocks\.\d+\./, 'blocks.*.')))).toEqual(new Set(names));

    const back = nerWeightsFromTorchStateDict(parts, state);
    expect([...back.weights.keys()].sort()).toEqual([...w.keys()].sort());
    for (const [p, t] of w) expect(bits(back.weights.get(p)!)).toEqual(bits(t));
    if (parts.crf) expect(back.crf).toEqual(parts.crf);
    const other = tagger(2, config);
    loadNamedWeights(other.model, back.weights);
    for (const [p, t] of namedTensors(other.model)) expect(bits(t)).toEqual(bits(w.get(p)!));
    tf.dispose([...state.values()]);
  });

  test('the documented table is the mapping; configurations it does not cover and state dicts that do not fit are refused by name', async () => {
    // recipes/ner/README.md's table is the recipe default's mapping, row for row.
    const documented = [
      ...readFileSync('recipes/ner/README.md', 'utf8').matchAll(/^\| ((?:`[^`]+`(?:<br>)?)+) \| ((?:`[^`]+`(?:<br>)?)+) \| (\w+) \|/gm),
    ].map((m) => [[...m[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]), [...m[2]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]), m[3]]);
    expect(documented).toEqual(nerTorchMapping(RECIPE_DEFAULT).map((r) => [r.trax, r.torch, r.transform]));
    expect(nerTorchMappingProblem(RECIPE_DEFAULT)).toBeUndefined();
    expect(nerTorchMappingProblem({ ...LIKE_FOR_LIKE, reversible: true, ffActivation: 'gelu', dropout: 0.1 })).toBeUndefined();
    expect(nerTorchMappingProblem({ attention: 'lsh' })).toMatch(/no 'lsh' attention/);
    expect(nerTorchMappingProblem({ contextTokens: 64 })).toMatch(/no document context \(contextTokens 64/);
    const parts = tagger(3, LIKE_FOR_LIKE);
    expect(() => nerTorchStateDict({ model: parts.model, config: { ...LIKE_FOR_LIKE, attention: 'chunked' } })).toThrow(
      /no 'chunked' attention/,
    );
    expect(() => nerTorchStateDict({ model: parts.model, config: { ...LIKE_FOR_LIKE, crf: true } })).toThrow(
      /no CRF parameters were given/,
    );
    expect(() => nerTorchStateDict({ model: parts.model, config: { ...LIKE_FOR_LIKE, wordShapes: true } })).toThrow(
      /the model has 0 of the 1 weight sets for shape_embed\.weight .*does the configuration match the model\?/,
    );
    expect(() => nerTorchStateDict({ model: parts.model, config: { ...LIKE_FOR_LIKE, attention: 'local' } })).toThrow(
      /the weight .*SelfAttention_h4\/wq has no PyTorch name/,
    );

    const state = nerTorchStateDict(parts);
    const wrong = new Map(state);
    wrong.set('out.weight', tf.zeros([8, 128]));
    wrong.delete('norm.bias');
    wrong.set('blocks.0.attn.in_proj_bias', tf.zeros([384]));
    const before = namedTensors(parts.model);
    const refused = (): unknown => nerWeightsFromTorchStateDict(parts, wrong);
    expect(refused).toThrow(
      /out\.weight: the PyTorch state has float32\[8,128\], the model's NerTagger\/2\/Dense_9\/w needs float32\[9,128\]/,
    );
    expect(refused).toThrow(/norm\.bias: missing \(the model's NerTagger\/1\/ReformerEncoder\/6\/LayerNorm\/bias needs float32\[128\]\)/);
    expect(refused).toThrow(/blocks\.0\.attn\.in_proj_bias: in the PyTorch state but not a weight of this model/);
    expect(namedTensors(parts.model)).toEqual(before);
    tf.dispose([wrong.get('out.weight')!, wrong.get('blocks.0.attn.in_proj_bias')!, ...state.values()]);

    const live = tf.memory().numTensors;
    const bytes = await exportNerTorchSafetensors(parts, { run: 'test' });
    expect(importNerTorchSafetensors(parts, bytes).metadata.run).toBe('test');
    expect(tf.memory().numTensors).toBe(live); // the export's and the replaced weights' tensors are freed
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata.format).toBe('pt');
    expect(metadata.run).toBe('test');
    expect(JSON.parse(metadata[NER_TORCH_CONFIG_KEY]!)).toEqual({
      vocab_size: 200,
      n_tags: 9,
      d_model: 128,
      d_ff: 512,
      n_heads: 4,
      n_layers: 2,
      max_len: 128,
      dropout: 0,
      ff_activation: 'relu',
      attention: 'full',
      local_radius: 8,
      n_shapes: 0,
      char_vocab_size: 0,
      d_char: 32,
      char_filters: 64,
      max_word_length: 16,
      bilstm: false,
      crf: false,
    });
    expect(tensors.get('blocks.0.norm1.weight')!.dtype).toBe('F32');
    const smallerConfig = { ...LIKE_FOR_LIKE, dFf: 256 };
    const smaller = NerTaggerModel(smallerConfig, SIZES, 'eval');
    smaller.init({ shape: [1, 1, 1], dtype: 'int32' });
    expect(() => importNerTorchSafetensors({ model: smaller, config: smallerConfig }, bytes)).toThrow(SafetensorsError);
    expect(() => importNerTorchSafetensors({ model: smaller, config: smallerConfig }, bytes)).toThrow(
      /blocks\.0\.ff\.0\.weight: the PyTorch state has float32\[512,128\]/,
    );
    const liveSmaller = tf.memory().numTensors;
    expect(() => importNerTorchSafetensors({ model: smaller, config: smallerConfig }, bytes)).toThrow(SafetensorsError);
    expect(tf.memory().numTensors).toBe(liveSmaller);
  });
});

describeWithTorch('the tagger in PyTorch (bench/peers/ner_trax_torch.py)', (python) => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('wasm');
    dir = mkdtempSync(path.join(tmpdir(), 'ner-torch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(CONFIGS)(
    '%s: exported weights give the same scores in PyTorch (within 1e-4); weights trained there come home',
    async (name, config) => {
      const parts = tagger(7, config);
      const b = batch(config);
      const weightsFile = path.join(dir, `${name}.safetensors`);
      const batchFile = path.join(dir, `${name}.json`);
      const trainedFile = path.join(dir, `${name}-trained.safetensors`);
      writeFileSync(weightsFile, await exportNerTorchSafetensors(parts));
      writeFileSync(batchFile, JSON.stringify(b));

      const run = spawnSync(python(), [SCRIPT, weightsFile, batchFile, '--train-steps', '3', '--lr', '0.001', '--save', trainedFile], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      if (run.status !== 0) throw new Error(`${SCRIPT} failed (exit ${run.status}):\n${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
        scores: number[][][];
        trained_scores: number[][][];
        losses: number[];
        eval_loss_before: number;
        eval_loss_after: number;
      };

      const ours = scores(parts.model, b.features);
      const diff = maxDiff(ours, result.scores, b.mask);
      if (process.env.TRAX_TS_REPORT_DIFF) console.log(`${name}: max |score(trax-ts) - score(PyTorch)| = ${diff}`);
      expect(diff).toBeLessThan(1e-4);
      // Not vacuous: the scores differ between tokens and tags by far more than the tolerance.
      expect(
        maxDiff(
          ours,
          ours.map((s) => s.map((t) => t.map(() => t[0]!))),
          b.mask,
        ),
      ).toBeGreaterThan(0.1);

      // Three Adam steps in PyTorch lower the batch's loss (eval mode) and move the weights; imported back, trax-ts computes what PyTorch does.
      if (process.env.TRAX_TS_REPORT_DIFF) console.log(`${name}: eval loss ${result.eval_loss_before} -> ${result.eval_loss_after}`);
      expect(result.losses).toHaveLength(3);
      expect(result.eval_loss_after).toBeLessThan(result.eval_loss_before);
      expect(maxDiff(result.trained_scores, result.scores, b.mask)).toBeGreaterThan(1e-3);
      const imported = importNerTorchSafetensors(parts, readFileSync(trainedFile));
      expect(imported.metadata.format).toBe('pt');
      if (parts.crf) {
        expect(imported.crf).toBeDefined();
        expect(Array.from(imported.crf!.transitions as Float32Array)).not.toEqual(Array.from(parts.crf.transitions as Float32Array));
      }
      const after = maxDiff(scores(parts.model, b.features), result.trained_scores, b.mask);
      if (process.env.TRAX_TS_REPORT_DIFF) console.log(`${name}: after PyTorch training, max diff = ${after}`);
      expect(after).toBeLessThan(1e-4);
    },
  );
});
