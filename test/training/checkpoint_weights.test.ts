import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense } from '../../src/layers/core/index.js';
import { CrfLoss } from '../../src/layers/crf.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import {
  CheckpointError,
  loadCheckpointWeights,
  lossWeightsPrefix,
  readCheckpointInfo,
  writeCheckpoint,
} from '../../src/training/index.js';

const N_TAGS = 3;
const model = () => Serial(Dense(5), Dense(N_TAGS));
const LOSS_SIGNATURE = [
  { shape: [1, 1, N_TAGS], dtype: 'float32' as const },
  { shape: [1, 1], dtype: 'int32' as const },
  { shape: [1, 1], dtype: 'float32' as const },
];

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'trax-ckw-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A checkpoint as a loop writes it: the model's weights, a CRF loss's under loss/0/, a slot and a state entry. */
async function writeRun(): Promise<{ checkpoint: string; weights: Map<string, number[]> }> {
  const trained = model();
  trained.init({ shape: [1, 4], dtype: 'float32' }, { seed: 11 });
  const crf = CrfLoss(N_TAGS);
  crf.init(LOSS_SIGNATURE, { seed: 12 });
  const weights = new Map<string, tf.Tensor>(namedTensors(trained));
  for (const [p, t] of namedTensors(crf)) weights.set(lossWeightsPrefix(0) + p, t);
  const slots = new Map([['0/Serial/0/Dense_5/w/m', tf.zeros([4, 5])]]);
  const checkpoint = await writeCheckpoint(dir, 'checkpoint-000007', {
    step: 7,
    tensors: { weights, slots, state: new Map() },
    meta: { history: { 'eval/loss': [[7, 0.5]] } },
  });
  const values = new Map([...weights].map(([p, t]) => [p, Array.from(t.dataSync())]));
  return { checkpoint, weights: values };
}

describe("a checkpoint's weights outside the loop", () => {
  test("lossWeightsPrefix is where the loop keeps a task's loss weights", () => {
    expect(lossWeightsPrefix(0)).toBe('loss/0/');
    expect(lossWeightsPrefix(2)).toBe('loss/2/');
  });

  test('readCheckpointInfo gives the step and metadata without reading tensors', async () => {
    const { checkpoint } = await writeRun();
    rmSync(path.join(checkpoint, 'weights.bin'));
    expect(await readCheckpointInfo(checkpoint)).toEqual({ step: 7, meta: { history: { 'eval/loss': [[7, 0.5]] } } });
    await expect(readCheckpointInfo(dir)).rejects.toThrow(CheckpointError);
  });

  test("loadCheckpointWeights fills the model and the CRF loss layer; crfParameters reads the CRF's scores", async () => {
    const { checkpoint, weights } = await writeRun();
    const restored = model();
    restored.init({ shape: [1, 4], dtype: 'float32' }, { seed: 99 });
    const crf = CrfLoss(N_TAGS);
    crf.init(LOSS_SIGNATURE, { seed: 98 });
    const before = tf.memory().numTensors;
    const { step } = await loadCheckpointWeights(checkpoint, { model: restored, losses: [crf] });
    expect(step).toBe(7);
    for (const [p, t] of namedTensors(restored)) expect(Array.from(t.dataSync())).toEqual(weights.get(p));
    const params = crf.crfParameters();
    expect(Array.from(params.transitions as Float32Array)).toEqual(weights.get('loss/0/CrfLoss_3/transitions'));
    expect(Array.from(params.start)).toEqual(weights.get('loss/0/CrfLoss_3/start'));
    expect(Array.from(params.end)).toEqual(weights.get('loss/0/CrfLoss_3/end'));
    // The slot was freed, the replaced weights too: as many tensors as before.
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a model that does not fit is refused with a CheckpointError naming the weight', async () => {
    const { checkpoint } = await writeRun();
    const other = Serial(Dense(6), Dense(N_TAGS));
    other.init({ shape: [1, 4], dtype: 'float32' }, { seed: 1 });
    await expect(loadCheckpointWeights(checkpoint, { model: other })).rejects.toThrow(CheckpointError);
    await expect(loadCheckpointWeights(checkpoint, { model: other })).rejects.toThrow(
      /weight Serial\/0\/Dense_6\/w: missing from checkpoint/,
    );
  });

  test("crfParameters needs the layer's weights", () => {
    expect(() => CrfLoss(N_TAGS).crfParameters()).toThrow(/crfParameters\(\) needs the layer's weights/);
  });
});
