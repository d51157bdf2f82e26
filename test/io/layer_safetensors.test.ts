import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { Dup, Select } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LayerNorm, Relu } from '../../src/layers/core/index.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import { PaddedBiLSTM } from '../../src/rnn/padded_bilstm.js';
import { decodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { exportSafetensors, importSafetensors } from '../../src/io/layer_safetensors.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/node_files.js';
import type { Layer } from '../../src/core/base.js';
import { describeOnBackends } from '../helpers/backends.js';

const IDS = { shape: [2, 5], dtype: 'int32' as const };
// ids -> ids, ids -> x, ids -> BiLSTM(x, ids), ids -> ... -> logits: dense, recurrent and normalisation weights.
const model = (hidden = 12): Layer =>
  Serial(Dup(), Embedding(30, 8), PaddedBiLSTM(8, 0), Select([0], 2), Dense(hidden), Relu(), LayerNorm(), Dense(4));

function bitsOf(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
}

function expectSameWeights(a: Layer, b: Layer): void {
  const wa = namedTensors(a);
  const wb = namedTensors(b);
  expect([...wb.keys()]).toEqual([...wa.keys()]);
  for (const [p, t] of wa) {
    expect(wb.get(p)!.dtype).toBe(t.dtype);
    expect(wb.get(p)!.shape).toEqual(t.shape);
    expect(bitsOf(wb.get(p)!)).toEqual(bitsOf(t));
  }
}

describeOnBackends("a model's weights as safetensors", () => {
  const ids = () =>
    tf.tensor2d(
      [
        [3, 7, 1, 0, 0],
        [9, 2, 5, 8, 4],
      ],
      [2, 5],
      'int32',
    );

  test('round trip: names are the weight paths, dtypes and shapes kept, values and outputs bit-identical', async () => {
    const source = model();
    source.init(IDS, { seed: 1 });
    const bytes = await exportSafetensors(source, { trained: 'yes' });

    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ trained: 'yes' });
    const named = namedTensors(source);
    expect(new Set(tensors.keys())).toEqual(new Set(named.keys()));
    for (const [p, t] of named) {
      expect(tensors.get(p)!.dtype).toBe('F32');
      expect(tensors.get(p)!.shape).toEqual(t.shape);
    }

    const target = model();
    target.init(IDS, { seed: 2 });
    const x = ids();
    const before = target.call(x) as tf.Tensor;
    expect(importSafetensors(target, bytes)).toEqual({ trained: 'yes' });
    expectSameWeights(source, target);
    const want = source.call(x) as tf.Tensor;
    const got = target.call(x) as tf.Tensor;
    expect(bitsOf(got)).toEqual(bitsOf(want));
    expect(bitsOf(before)).not.toEqual(bitsOf(want));
    tf.dispose([x, before, want, got]);
  });

  test('a model whose names or shapes differ is refused, naming each weight, and keeps its weights', async () => {
    const source = model();
    source.init(IDS, { seed: 1 });
    const bytes = await exportSafetensors(source);

    const wider = model(13);
    wider.init(IDS, { seed: 3 });
    const kept = new Map([...namedTensors(wider)].map(([p, t]) => [p, bitsOf(t)]));
    const tensorsBefore = tf.memory().numTensors;
    let error: Error | undefined;
    try {
      importSafetensors(wider, bytes);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error!.message).toMatch(/do not fit the model Serial/);
    expect(error!.message).toMatch(/weight Serial\/4\/Dense_13\/w: missing from the safetensors file \(the model has float32\[8,13\]\)/);
    expect(error!.message).toMatch(/weight Serial\/4\/Dense_12\/w: in the safetensors file \(float32\[8,12\]\) but not in the model/);
    expect(error!.message).toMatch(/weight Serial\/7\/Dense_4\/w: the safetensors file has float32\[12,4\], the model has float32\[13,4\]/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    for (const [p, t] of namedTensors(wider)) expect(bitsOf(t)).toEqual(kept.get(p));

    expect(() => importSafetensors(model(), bytes)).toThrow(/has no weights yet; call layer.init/);
    await expect(exportSafetensors(model())).rejects.toThrow(/has no weights yet/);
  });

  test('Node helpers write and read a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'safetensors-'));
    try {
      const source = model();
      source.init(IDS, { seed: 4 });
      const file = await saveSafetensors(source, path.join(dir, 'model.safetensors'), { step: '10' });
      expect(decodeSafetensors(readFileSync(file)).metadata).toEqual({ step: '10' });
      const target = model();
      target.init(IDS, { seed: 5 });
      expect(await loadSafetensors(target, file)).toEqual({ step: '10' });
      expectSameWeights(source, target);
      await expect(loadSafetensors(target, path.join(dir, 'missing.safetensors'))).rejects.toThrow(
        /missing.safetensors: cannot read the safetensors file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
