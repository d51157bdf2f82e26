import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { useBackend } from '../../src/backend/backends.js';
import { Serial } from '../../src/combinators/serial.js';
import { Dense, Embedding, LogSoftmax, Relu } from '../../src/layers/core/index.js';
import { Fn } from '../../src/core/fn.js';
import { CrossEntropyLoss } from '../../src/metrics/losses.js';
import { namedTensors } from '../../src/core/named_tensors.js';
import { AddLossWeights, Batch, FromArray, Generate, Serial as DataSerial, ndarray } from '../../src/data/index.js';
import { makeKey } from '../../src/rng/key.js';
import { Adam, type Optimizer, SGD } from '../../src/optimizers/index.js';
import {
  CheckpointError,
  Loop,
  NonFiniteError,
  TrainTask,
  latestCheckpoint,
  readCheckpoint,
  type LoopOptions,
} from '../../src/training/index.js';
import { N_TAGS, VOCAB, example, taggingData } from './helpers/tagging.js';

const model = (hidden = 32) => Serial(Embedding(VOCAB, 16), Dense(hidden), Relu(), Dense(N_TAGS), LogSoftmax());
const task = (labeledData = taggingData(3), optimizer: Optimizer = new Adam({ learningRate: 0.01 })) =>
  new TrainTask({ labeledData, lossLayer: CrossEntropyLoss(), optimizer, nStepsPerCheckpoint: 5 });
const quiet: LoopOptions = { logger: () => undefined, chart: false, progress: false };

async function expectRejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('checkpoints', () => {
  let dir: string;
  beforeAll(() => useBackend('cpu'));
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'trax-ckpt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a checkpoint holds weights and slots keyed by path, and step, key, data position and history', async () => {
    const loop = await Loop(model(), task(), { ...quiet, outputDir: dir });
    await loop.run(5);
    const latest = (await latestCheckpoint(dir))!;
    expect(path.basename(latest)).toBe('checkpoint-000005');
    expect(readdirSync(dir).sort()).toEqual(['checkpoint-000005', 'latest', 'metrics.jsonl']);
    const manifest = JSON.parse(readFileSync(path.join(latest, 'checkpoint.json'), 'utf8'));
    const weightNames = manifest.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(weightNames).toEqual([
      'Serial/0/Embedding_16_16/w',
      'Serial/1/Dense_32/w',
      'Serial/1/Dense_32/b',
      'Serial/3/Dense_4/w',
      'Serial/3/Dense_4/b',
    ]);
    expect(manifest.weightsManifest[1].weights.map((w: { name: string }) => w.name)).toContain('0/Serial/1/Dense_32/w/m');
    expect(manifest.meta.data.train).toEqual([5]);
    expect(manifest.meta.optimizerSteps).toEqual([5]);
    expect(manifest.meta.rngKey).toHaveLength(2);
    const contents = await readCheckpoint(latest);
    const live = namedTensors(loop.model);
    for (const [p, t] of contents.tensors.weights) expect(Array.from(t.dataSync())).toEqual(Array.from(live.get(p)!.dataSync()));
    for (const group of Object.values(contents.tensors)) tf.dispose([...group.values()]);
    loop.dispose();
  });

  test('a simulated crash while writing never leaves an unreadable latest checkpoint', async () => {
    let crash: 'commit' | 'latest' | undefined;
    const hooks = {
      beforeCommit: (tmp: string) => {
        if (crash !== 'commit') return;
        writeFileSync(path.join(tmp, 'weights.bin'), 'torn'); // a torn write in the temporary directory
        throw new Error('simulated crash before the rename');
      },
      beforeLatest: () => {
        if (crash === 'latest') throw new Error('simulated crash before the pointer update');
      },
    };
    const loop = await Loop(model(), task(), { ...quiet, outputDir: dir, checkpointHooks: hooks });
    await loop.run(5);
    crash = 'commit';
    await expect(loop.run(5)).rejects.toThrow(/simulated crash before the rename/);
    expect(path.basename((await latestCheckpoint(dir))!)).toBe('checkpoint-000005');
    crash = 'latest';
    await expect(loop.run(5)).rejects.toThrow(/simulated crash before the pointer update/);
    expect(path.basename((await latestCheckpoint(dir))!)).toBe('checkpoint-000005');
    loop.dispose();
    // a killed process leaves temporaries behind: a half-written directory and pointer
    mkdirSync(path.join(dir, '.tmp-checkpoint-000020-999-0'));
    writeFileSync(path.join(dir, '.tmp-checkpoint-000020-999-0', 'checkpoint.json'), '{"trunc');
    writeFileSync(path.join(dir, '.tmp-latest-999-1'), '{"checkpoint":"checkpoint-0000');
    const contents = await readCheckpoint((await latestCheckpoint(dir))!);
    for (const group of Object.values(contents.tensors)) tf.dispose([...group.values()]);
    const resumed = await Loop(model(), task(), { ...quiet, outputDir: dir });
    expect(resumed.step).toBe(5);
    expect(readdirSync(dir).filter((e) => e.startsWith('.tmp-'))).toEqual([]);
    await resumed.run(5);
    expect(path.basename((await latestCheckpoint(dir))!)).toBe('checkpoint-000010');
    // the orphan of the crash before the pointer update is gone with the next rolling checkpoint
    expect(readdirSync(dir).filter((e) => e.startsWith('checkpoint-'))).toEqual(['checkpoint-000010']);
    resumed.dispose();
  });

  test('a damaged checkpoint is refused, naming the file', async () => {
    const loop = await Loop(model(), task(), { ...quiet, outputDir: dir });
    await loop.run(5);
    loop.dispose();
    const bin = path.join((await latestCheckpoint(dir))!, 'weights.bin');
    const bytes = readFileSync(bin);
    writeFileSync(bin, bytes.subarray(0, bytes.length - 8));
    const truncated = await expectRejects(Loop(model(), task(), { ...quiet, outputDir: dir }));
    expect(truncated).toBeInstanceOf(CheckpointError);
    expect(truncated.message).toMatch(/weights\.bin is damaged \(\d+ bytes, the manifest describes \d+\)/);
    const flipped = Buffer.from(bytes);
    flipped[10] = flipped[10]! ^ 0xff;
    writeFileSync(bin, flipped);
    await expect(Loop(model(), task(), { ...quiet, outputDir: dir })).rejects.toThrow(/weights\.bin is damaged .*checksum mismatch/);
  });

  test('a checkpoint of another model is refused, naming each weight path and both shapes', async () => {
    const loop = await Loop(model(32), task(), { ...quiet, outputDir: dir });
    await loop.run(5);
    loop.dispose();
    const before = tf.memory().numTensors;
    const error = await expectRejects(Loop(model(24), task(), { ...quiet, outputDir: dir }));
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.message).toMatch(/does not fit the model/);
    expect(error.message).toMatch(/weight Serial\/3\/Dense_4\/w: the checkpoint has float32\[32,4\], the model has float32\[24,4\]/);
    expect(error.message).toMatch(/weight Serial\/1\/Dense_24\/w: missing from the checkpoint \(the model has float32\[16,24\]\)/);
    expect(error.message).toMatch(/weight Serial\/1\/Dense_32\/w: in the checkpoint \(float32\[16,32\]\) but not in the model/);
    // the refused checkpoint's tensors and the loop's slots are freed (the new model keeps its 5 weights)
    expect(tf.memory().numTensors - before).toBe(5);
    // another optimizer's slots do not fit either
    await expect(Loop(model(32), task(taggingData(3), new SGD()), { ...quiet, outputDir: dir })).rejects.toThrow(
      /optimizer slot 0\/Serial\/0\/Embedding_16_16\/w\/m: in the checkpoint/,
    );
  });

  test('a NaN loss stops the run naming the step; the last good checkpoint stays intact', async () => {
    const key = makeKey(4);
    // batch 7 (step 8) has NaN weights, so the loss of step 8 is NaN
    const data = DataSerial(
      Generate((i) => example(key, i)),
      Batch(4),
      AddLossWeights(0),
      (input) =>
        (async function* () {
          let i = 0;
          for await (const [x, y, w] of input!) {
            yield i++ === 7 ? [x, y, { ...w, data: new Float32Array(w.data.length).fill(NaN) }] : [x, y, w];
          }
        })(),
    );
    const lines: string[] = [];
    const loop = await Loop(model(), task(data), { ...quiet, outputDir: dir, logger: (l) => lines.push(l) });
    const error = await expectRejects(loop.run(20));
    expect(error).toBeInstanceOf(NonFiniteError);
    expect(error.message).toMatch(
      /^Step 8: the loss CrossEntropyLoss is NaN; training stopped before updating the weights; the last checkpoint \(step 5\) is intact\.$/,
    );
    expect(lines[lines.length - 1]).toMatch(/^Step {6}8: the loss CrossEntropyLoss is NaN/);
    expect(loop.step).toBe(7);
    expect(namedTensors(loop.model).get('Serial/1/Dense_32/w')!.isDisposed).toBe(false);
    const latest = (await latestCheckpoint(dir))!;
    expect(path.basename(latest)).toBe('checkpoint-000005');
    const contents = await readCheckpoint(latest);
    expect(contents.step).toBe(5);
    for (const group of Object.values(contents.tensors)) tf.dispose([...group.values()]);
    loop.dispose();
  });

  test('a model that does not fit the labels fails when the Loop is built, naming both shapes', async () => {
    // batches of (tokens [2, 5], tags [2, 3]): the model tags 5 positions, the labels have 3
    const mismatched = DataSerial(
      FromArray(
        [
          [
            ndarray([
              [1, 2, 3, 4, 5],
              [1, 2, 3, 4, 5],
            ]),
            ndarray([
              [1, 2, 3],
              [1, 2, 3],
            ]),
          ],
        ],
        { repeat: true },
      ),
      AddLossWeights(0),
    );
    const error = await expectRejects(Loop(model(), task(mismatched), quiet));
    expect(error.message).toMatch(
      /TrainTask 0: the model's output \(float32\[2,5,4\]\) and the labels \(int32\[2,3\], float32\[2,3\]\) do not fit the loss layer CrossEntropyLoss: .*model output float32\[2,5,4\] needs targets of shape \[2,5\], got targets int32\[2,3\]/,
    );
    // a model that pools away the sequence axis: output [2, 4] against targets [2, 3]
    const pooled = Serial(
      Embedding(VOCAB, 8),
      Dense(N_TAGS),
      Fn('MeanOverLength', (x) => x.mean(1)),
      LogSoftmax(),
    );
    await expect(Loop(pooled, task(mismatched), quiet)).rejects.toThrow(
      /model output float32\[2,4\] needs targets of shape \[2\], got targets int32\[2,3\]/,
    );
  });
});
