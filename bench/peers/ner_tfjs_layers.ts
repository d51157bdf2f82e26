/**
 * The tfjs-layers peer of the NER benchmark: the same tagger built from stock `@tensorflow/tfjs-layers` layers
 * (Embedding, LayerNormalization, Dense; tfjs-layers has no multi-head attention, so attention is a custom layer
 * of plain tfjs ops, as any tfjs-layers user must write it), trained with tfjs's own Adam on the wasm backend.
 *
 * Runs in its own process (bench/ner.ts starts it) so that none of trax-ts's kernel changes apply, except the one
 * fix without which it cannot train at all: wasm has no `UnsortedSegmentSum` kernel, which the gradient of the
 * Embedding's gather needs; the peer gets trax-ts's JavaScript kernel for it and nothing else.
 *
 * Usage: node scripts/run.mjs bench/peers/ner_tfjs_layers.ts <batches.json>
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { unsortedSegmentSumWasmKernel } from '../../src/backend/replacements/unsorted_segment_sum.js';
import { installMemoryMeter } from '../common/memory_meter.js';
import { type BenchBatch, timeInference, timeTraining } from '../common/ner_bench_timing.js';

interface PeerConfig {
  vocab_size: number;
  n_tags: number;
  d_model: number;
  d_ff: number;
  n_heads: number;
  n_layers: number;
  max_len: number;
  warmup_steps: number;
  train_batches: BenchBatch[];
  infer_batches: BenchBatch[];
}

/** Multi-head self-attention with a key padding mask, as a tfjs-layers custom layer. */
class SelfAttention extends tfl.layers.Layer {
  static className = 'PeerSelfAttention';
  private wq!: tfl.LayerVariable;
  private wk!: tfl.LayerVariable;
  private wv!: tfl.LayerVariable;
  private wo!: tfl.LayerVariable;

  constructor(
    private readonly dModel: number,
    private readonly nHeads: number,
  ) {
    super({});
  }

  override build(): void {
    const init = tfl.initializers.glorotUniform({ seed: 1 });
    this.wq = this.addWeight('wq', [this.dModel, this.dModel], 'float32', init);
    this.wk = this.addWeight('wk', [this.dModel, this.dModel], 'float32', init);
    this.wv = this.addWeight('wv', [this.dModel, this.dModel], 'float32', init);
    this.wo = this.addWeight('wo', [this.dModel, this.dModel], 'float32', init);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (inputShape as tfl.Shape[])[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as tf.Tensor[];
      const [b, l, d] = x!.shape as [number, number, number];
      const dh = d / this.nHeads;
      const flat = x!.reshape([b * l, d]);
      const heads = (w: tfl.LayerVariable) => tf.matMul(flat, w.read()).reshape([b, l, this.nHeads, dh]).transpose([0, 2, 1, 3]);
      const q = heads(this.wq).mul(1 / Math.sqrt(dh));
      const k = heads(this.wk);
      const v = heads(this.wv);
      const bias = tf.sub(1, mask!).mul(-1e9).reshape([b, 1, 1, l]);
      const weights = tf.softmax(tf.matMul(q, k, false, true).add(bias));
      const out = tf
        .matMul(weights, v)
        .transpose([0, 2, 1, 3])
        .reshape([b * l, d]);
      return tf.matMul(out, this.wo.read()).reshape([b, l, d]);
    });
  }

  override getClassName(): string {
    return SelfAttention.className;
  }
}

/** A trainable position table added to the embeddings (the first L rows). */
class AddPositions extends tfl.layers.Layer {
  static className = 'PeerAddPositions';
  private table!: tfl.LayerVariable;

  constructor(
    private readonly maxLen: number,
    private readonly dModel: number,
  ) {
    super({});
  }

  override build(): void {
    this.table = this.addWeight('positions', [this.maxLen, this.dModel], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.add(x, this.table.read().slice([0, 0], [x.shape[1]!, this.dModel]));
  }

  override getClassName(): string {
    return AddPositions.className;
  }
}

function buildModel(cfg: PeerConfig): tfl.LayersModel {
  const ids = tfl.input({ shape: [null], dtype: 'int32' });
  const mask = tfl.input({ shape: [null] });
  let x = tfl.layers.embedding({ inputDim: cfg.vocab_size, outputDim: cfg.d_model }).apply(ids) as tfl.SymbolicTensor;
  x = new AddPositions(cfg.max_len, cfg.d_model).apply(x) as tfl.SymbolicTensor;
  for (let i = 0; i < cfg.n_layers; i++) {
    const h = tfl.layers.layerNormalization().apply(x) as tfl.SymbolicTensor;
    const a = new SelfAttention(cfg.d_model, cfg.n_heads).apply([h, mask]) as tfl.SymbolicTensor;
    x = tfl.layers.add().apply([x, a]) as tfl.SymbolicTensor;
    const h2 = tfl.layers.layerNormalization().apply(x) as tfl.SymbolicTensor;
    const f = tfl.layers.dense({ units: cfg.d_ff, activation: 'relu' }).apply(h2) as tfl.SymbolicTensor;
    const f2 = tfl.layers.dense({ units: cfg.d_model }).apply(f) as tfl.SymbolicTensor;
    x = tfl.layers.add().apply([x, f2]) as tfl.SymbolicTensor;
  }
  x = tfl.layers.layerNormalization().apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: cfg.n_tags }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [ids, mask], outputs: logits });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as PeerConfig;
  tf.registerKernel(unsortedSegmentSumWasmKernel);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
  installMemoryMeter();
  const model = buildModel(cfg);
  const optimizer = tf.train.adam(1e-3);
  const toTensors = (b: BenchBatch) => ({
    ids: tf.tensor2d(b.ids, undefined, 'int32'),
    tags: tf.tensor2d(b.tags, undefined, 'int32'),
    mask: tf.tensor2d(b.mask, undefined, 'float32'),
  });
  const step = (b: BenchBatch): number => {
    const t = toTensors(b);
    const loss = optimizer.minimize(() => {
      const logits = model.apply([t.ids, t.mask], { training: true }) as tf.Tensor;
      const logp = tf.logSoftmax(logits);
      const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(t.tags, cfg.n_tags)), -1));
      return tf.div(tf.sum(tf.mul(nll, t.mask)), tf.sum(t.mask));
    }, true) as tf.Scalar;
    const value = loss.dataSync()[0]!;
    tf.dispose([loss, t.ids, t.tags, t.mask]);
    return value;
  };
  const training = timeTraining(cfg.train_batches, cfg.warmup_steps, step);

  const infer = (b: BenchBatch): void => {
    const t = toTensors(b);
    const tags = tf.tidy(() => (model.apply([t.ids, t.mask], { training: false }) as tf.Tensor).argMax(-1));
    tags.dataSync();
    tf.dispose([tags, t.ids, t.tags, t.mask]);
  };
  const sentencesPerSecond = timeInference(cfg.infer_batches, infer);
  console.log(
    JSON.stringify({
      train_tokens_per_s: training.tokensPerSecond,
      infer_sentences_per_s: sentencesPerSecond,
      peak_tensor_bytes: training.peakBytes,
      last_loss: training.lastLoss,
    }),
  );
}

await main();
