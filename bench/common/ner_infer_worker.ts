/**
 * A worker of the NER benchmark's inference rows (bench/common/ner_infer_row.ts starts a pool of them): builds the
 * recipe's model in the configuration asked (weights from seed 1, mode eval) on wasm, then tags the inference
 * batches it is sent by index, as the one-process rows do (the model's scores, their argmax, read back), and
 * answers with the batch's sentence count and a checksum of its tags (so rows can be checked to agree).
 */
import { readFileSync } from 'node:fs';
import { makeKey, ner, serveWorker, type Tensor, tf, useBackend } from '../../src/index.js';
import type { BenchFile } from './ner_bench_worker.js';

/** What each worker starts from: the benchmark's batches file and the model's configuration file. */
export interface InferWorkerInit {
  readonly batchFile: string;
  readonly configFile: string;
}

/** One batch tagged: its sentences, and the sum of its tags' ids over real tokens. */
export interface InferReply {
  readonly sentences: number;
  readonly tagSum: number;
}

interface InferState {
  readonly file: BenchFile;
  readonly model: ReturnType<typeof ner.NerTaggerModel>;
  readonly width: number;
}

serveWorker<InferWorkerInit, number, InferReply, InferState>({
  async init({ batchFile, configFile }) {
    const file = JSON.parse(readFileSync(batchFile, 'utf8')) as BenchFile;
    const config = ner.resolveNerModelConfig(JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>);
    await useBackend('wasm');
    const width = ner.featureLayout(config).width;
    const sizes = { wordVocabSize: file.vocab_size, charVocabSize: file.char_vocab_size, nTags: file.n_tags };
    const model = ner.NerTaggerModel(config, sizes, 'train');
    const first = file.train_batches[0]!;
    model.init({ shape: [first.ids.length, first.ids[0]!.length, width], dtype: 'int32' }, { seed: 1 });
    model.mode = 'eval';
    return { file, model, width };
  },
  handle(index, { file, model, width }) {
    const b = file.infer_batches[index];
    if (!b) throw new RangeError(`no inference batch ${index} (the file has ${file.infer_batches.length})`);
    const [n, l] = [b.ids.length, b.ids[0]!.length];
    const precomputed = file.trax_features?.[String(width)]?.infer[index];
    if (width !== 1 && !precomputed) throw new Error(`the batches file has no features of width ${width}`);
    const x = tf.tensor(width === 1 ? Int32Array.from(b.ids.flat()) : Int32Array.from(precomputed!), [n, l, width], 'int32');
    const tags = tf.tidy(() => tf.argMax(model.pureFn(x, model.weights, model.state, makeKey(0))[0] as Tensor, -1));
    const ids = tags.dataSync();
    tf.dispose([tags, x]);
    let tagSum = 0;
    b.mask.flat().forEach((m, i) => (tagSum += m * ids[i]!));
    return { sentences: n, tagSum };
  },
});
