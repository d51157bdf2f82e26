import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../../src/backend/tf.js';
import { useBackend } from '../../../src/backend/backends.js';
import { decodeSafetensors, SafetensorsError } from '../../../src/io/safetensors.js';
import { loadWeightsByPath } from '../../../src/io/layer_safetensors.js';
import { disposeTree, mapTree, namedTensors } from '../../../src/layers/tensor_tree.js';
import type { SerialLayer } from '../../../src/combinators/serial.js';
import { NerTaggerModel } from '../../../src/ner/model/build.js';
import type { NerModelConfig } from '../../../src/ner/model/config.js';
import {
  exportNerTorchSafetensors,
  importNerTorchSafetensors,
  NER_TORCH_CONFIG_KEY,
  NER_TORCH_MAPPING,
  nerTorchMappingProblem,
  nerTorchStateDict,
  nerWeightsFromTorchStateDict,
} from '../../../src/ner/export/torch_state.js';
import { makeKey, splitKey } from '../../../src/rng/key.js';
import { normal } from '../../../src/rng/random.js';
import { LIKE_FOR_LIKE } from '../../../bench/common/like_for_like.js';
import { describeOnBackends } from '../../helpers/backends.js';
import { describeWithTorch } from '../../helpers/python_torch.js';

const SIZES = { wordVocabSize: 200, charVocabSize: 10, nTags: 9 };
const SCRIPT = 'bench/peers/ner_trax_torch.py';

/** The like-for-like tagger with seeded weights, every weight (norms and biases too) moved off its initial value. */
function likeForLike(seed: number, config: Partial<NerModelConfig> = LIKE_FOR_LIKE): SerialLayer {
  const model = NerTaggerModel(config, SIZES, 'eval');
  model.init({ shape: [1, 1, 1], dtype: 'int32' }, { seed });
  const keys = splitKey(makeKey(seed + 100), namedTensors(model).size);
  let k = 0;
  const old = model.weights;
  model.weights = mapTree(old, (t) => tf.tidy(() => tf.add(t, normal(keys[k++]!, t.shape, 0.1))));
  disposeTree(old);
  return model;
}

/** A batch of 4 sentences of lengths 12, 7, 3, 9 (word ids 1..199, 0 = padding), with tags. */
function batch(): { ids: number[][]; mask: number[][]; tags: number[][] } {
  const lengths = [12, 7, 3, 9];
  const L = Math.max(...lengths);
  const ids = lengths.map((n, b) => Array.from({ length: L }, (_, i) => (i < n ? 1 + ((b * 37 + i * 53) % 199) : 0)));
  const mask = lengths.map((n) => Array.from({ length: L }, (_, i) => (i < n ? 1 : 0)));
  const tags = lengths.map((n, b) => Array.from({ length: L }, (_, i) => (i < n ? (b + i * 5) % 9 : 0)));
  return { ids, mask, tags };
}

function logProbs(model: SerialLayer, ids: number[][]): number[][][] {
  const x = tf.tensor3d(ids.map((row) => row.map((id) => [id])), [ids.length, ids[0]!.length, 1], 'int32');
  const y = model.call(x) as tf.Tensor;
  const out = y.arraySync() as number[][][];
  tf.dispose([x, y]);
  return out;
}

/** The largest |a - b| over the real (unpadded) positions. */
function maxDiff(a: number[][][], b: number[][][], mask: number[][]): number {
  let worst = 0;
  mask.forEach((row, i) => row.forEach((m, j) => {
    if (m) a[i]![j]!.forEach((v, t) => (worst = Math.max(worst, Math.abs(v - b[i]![j]![t]!))));
  }));
  return worst;
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
}

describeOnBackends('NER weights under PyTorch names', () => {
  test('every weight of the like-for-like tagger has one PyTorch name; the mapping there and back is bit-identical', () => {
    const model = likeForLike(1);
    const parts = { model, config: LIKE_FOR_LIKE };
    const state = nerTorchStateDict(parts);
    const d = 128;
    expect(state.get('embed.weight')!.shape).toEqual([200, d]);
    expect(state.get('pos')!.shape).toEqual([128, d]);
    expect(state.get('blocks.1.attn.in_proj_weight')!.shape).toEqual([3 * d, d]);
    expect(state.get('blocks.0.ff.0.weight')!.shape).toEqual([512, d]);
    expect(state.get('out.weight')!.shape).toEqual([9, d]);
    // 2 (embeddings, positions) + 2 blocks x 10 + final norm 2 + output 2.
    expect(state.size).toBe(26);
    // Values moved as the transforms say: out.weight is the Dense kernel transposed; in_proj rows d..2d are wkᵀ.
    const w = namedTensors(model);
    const dense = [...w].find(([p]) => /^NerTagger\/2\/Dense_9\/w$/.test(p))![1];
    expect(bits(state.get('out.weight')!)).toEqual(bits(tf.transpose(dense)));
    const wk = [...w].find(([p]) => /ReversibleSerial\/1\/.*\/wk$/.test(p))![1];
    expect(bits(tf.slice(state.get('blocks.1.attn.in_proj_weight')!, [d, 0], [d, d]))).toEqual(bits(tf.transpose(wk)));

    const back = nerWeightsFromTorchStateDict(parts, state);
    expect([...back.keys()].sort()).toEqual([...w.keys()].sort());
    for (const [p, t] of w) expect(bits(back.get(p)!)).toEqual(bits(t));
    const other = likeForLike(2);
    loadWeightsByPath(other, back);
    for (const [p, t] of namedTensors(other)) expect(bits(t)).toEqual(bits(w.get(p)!));
    tf.dispose([...state.values()]);
  });

  test('the mapping table lists every rule; configurations it does not cover and state dicts that do not fit are refused by name', async () => {
    expect(NER_TORCH_MAPPING.map((r) => r.torch)).toContain('blocks.{i}.attn.in_proj_weight');
    // The documented table (recipes/ner/README.md) is this mapping, row for row.
    const documented = [...readFileSync('recipes/ner/README.md', 'utf8').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(documented).toEqual(NER_TORCH_MAPPING.map((r) => [r.trax, r.torch, r.transform]));
    expect(nerTorchMappingProblem(LIKE_FOR_LIKE)).toBeUndefined();
    expect(nerTorchMappingProblem({ ...LIKE_FOR_LIKE, reversible: true, ffActivation: 'gelu', dropout: 0.1 })).toBeUndefined();
    expect(nerTorchMappingProblem({})).toMatch(/charFeatures must be false.*wordShapes must be false.*crf must be false.*attention must be 'full', not 'local'/);
    const model = likeForLike(3);
    const parts = { model, config: LIKE_FOR_LIKE };
    expect(() => nerTorchStateDict({ model, config: { ...LIKE_FOR_LIKE, bilstm: true } })).toThrow(/bilstm must be false/);

    const state = nerTorchStateDict(parts);
    const wrong = new Map(state);
    wrong.set('out.weight', tf.zeros([8, 128]));
    wrong.delete('norm.bias');
    wrong.set('blocks.0.attn.in_proj_bias', tf.zeros([384]));
    const before = namedTensors(model);
    expect(() => nerWeightsFromTorchStateDict(parts, wrong)).toThrow(/out\.weight: the PyTorch state has float32\[8,128\], the model's NerTagger\/2\/Dense_9\/w needs float32\[9,128\]/);
    expect(() => nerWeightsFromTorchStateDict(parts, wrong)).toThrow(/norm\.bias: missing \(the model's NerTagger\/1\/ReformerEncoder\/6\/LayerNorm\/bias needs float32\[128\]\)/);
    expect(() => nerWeightsFromTorchStateDict(parts, wrong)).toThrow(/blocks\.0\.attn\.in_proj_bias: in the PyTorch state but not a weight of this model/);
    expect(namedTensors(model)).toEqual(before);
    tf.dispose([wrong.get('out.weight')!, wrong.get('blocks.0.attn.in_proj_bias')!, ...state.values()]);

    const bytes = await exportNerTorchSafetensors(parts, { run: 'test' });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata.format).toBe('pt');
    expect(metadata.run).toBe('test');
    expect(JSON.parse(metadata[NER_TORCH_CONFIG_KEY]!)).toEqual({
      vocab_size: 200, n_tags: 9, d_model: 128, d_ff: 512, n_heads: 4, n_layers: 2, max_len: 128, dropout: 0, ff_activation: 'relu',
    });
    expect(tensors.get('blocks.0.norm1.weight')!.dtype).toBe('F32');
    const smaller = NerTaggerModel({ ...LIKE_FOR_LIKE, dFf: 256 }, SIZES, 'eval');
    smaller.init({ shape: [1, 1, 1], dtype: 'int32' });
    expect(() => importNerTorchSafetensors({ model: smaller, config: { ...LIKE_FOR_LIKE, dFf: 256 } }, bytes)).toThrow(SafetensorsError);
    expect(() => importNerTorchSafetensors({ model: smaller, config: { ...LIKE_FOR_LIKE, dFf: 256 } }, bytes)).toThrow(/blocks\.0\.ff\.0\.weight: the PyTorch state has float32\[512,128\]/);
  });
});

describeWithTorch('the like-for-like tagger in PyTorch (bench/peers/ner_trax_torch.py)', (python) => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('wasm');
    dir = mkdtempSync(path.join(tmpdir(), 'ner-torch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exported weights give the same log-probabilities in PyTorch (within 1e-4); weights trained there come home', async () => {
    const model = likeForLike(7);
    const parts = { model, config: LIKE_FOR_LIKE };
    const b = batch();
    const weightsFile = path.join(dir, 'tagger.safetensors');
    const batchFile = path.join(dir, 'batch.json');
    const trainedFile = path.join(dir, 'trained.safetensors');
    writeFileSync(weightsFile, await exportNerTorchSafetensors(parts));
    writeFileSync(batchFile, JSON.stringify(b));

    const run = spawnSync(python(), [SCRIPT, weightsFile, batchFile, '--train-steps', '3', '--lr', '0.003', '--save', trainedFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`${SCRIPT} failed (exit ${run.status}):\n${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { log_probs: number[][][]; trained_log_probs: number[][][]; losses: number[] };

    const ours = logProbs(model, b.ids);
    const diff = maxDiff(ours, result.log_probs, b.mask);
    if (process.env.TRAX_TS_REPORT_DIFF) console.log(`max |log p(trax-ts) - log p(PyTorch)| = ${diff}`);
    expect(diff).toBeLessThan(1e-4);
    // Not vacuous: the distributions are far from uniform and differ between tokens.
    expect(maxDiff(ours, ours.map((s) => s.map((t) => t.map(() => -Math.log(9)))), b.mask)).toBeGreaterThan(0.1);

    // Three Adam steps in PyTorch lower the loss and move the weights; imported back, trax-ts computes what PyTorch does.
    expect(result.losses[2]).toBeLessThan(result.losses[0]!);
    expect(maxDiff(result.trained_log_probs, result.log_probs, b.mask)).toBeGreaterThan(1e-3);
    const metadata = importNerTorchSafetensors(parts, readFileSync(trainedFile));
    expect(metadata.format).toBe('pt');
    expect(maxDiff(logProbs(model, b.ids), result.trained_log_probs, b.mask)).toBeLessThan(1e-4);
  });
});
