/**
 * The language-model training run: the GMB text, a character vocabulary, a ReformerLM trained with the library's
 * Loop (checkpoints, exact resume, `metrics.jsonl`), held-out bits per character and a sample at every
 * evaluation, progress lines with the ETA, and the final held-out score in `results.json`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  Adam,
  CrossEntropyLoss,
  data,
  EvalTask,
  type Layer,
  Loop,
  makeDirectory,
  makeKey,
  type Tensor,
  tf,
  type TrainingCallback,
  TrainTask,
  useBackend,
  warmupLinearDecay,
  writeFileAtomic,
} from '../../src/index.js';
import { heldOutBatches, trainingBatches } from './batches.js';
import { CharVocab } from './char_vocab.js';
import { loadLmText } from './corpus_text.js';
import { BitsPerCharacter, lmModel, predictModel, shareWeights } from './model.js';
import { type LmRecipeOptions, validateLmOptions } from './options.js';
import { formatDuration, progressLine } from './progress.js';
import { fixedSettings, readRunFile, refuseOtherSettings, writeRunFile } from './run_file.js';
import { generateText } from './sample_text.js';

/** What a run produced. */
export interface LmTrainResult {
  /** Steps trained in total (over every invocation). */
  steps: number;
  /** Held-out bits per character after training, or undefined when the run was stopped. */
  heldOutBitsPerChar: number | undefined;
  seconds: number;
}

/** Hooks of {@link trainLm}. */
export interface TrainLmHooks {
  log?: (line: string) => void;
  /** Read after every step: true stops the run after it, with a checkpoint. */
  stopSignal?: { readonly requested: boolean };
}

/** Mean bits per character of `model` (mode eval) over `batches`, weighted by characters. */
export function bitsPerCharacter(model: Layer, batches: readonly data.NDArray[][]): { bits: number; chars: number } {
  const previous = model.mode;
  model.mode = 'eval';
  let nats = 0;
  let chars = 0;
  try {
    for (const [ids] of batches) {
      nats += tf.tidy(() => {
        const x = tf.tensor(ids!.data, [...ids!.shape], 'int32');
        const logProbs = model.pureFn(x, model.weights, model.state, makeKey(0))[0] as Tensor;
        return -tf.sum(tf.mul(logProbs, tf.oneHot(x, logProbs.shape[2]!))).dataSync()[0]!;
      });
      chars += ids!.data.length;
    }
  } finally {
    model.mode = previous;
  }
  return { bits: nats / chars / Math.LN2, chars };
}

/** Trains (or resumes) the language model of `o`. */
export async function trainLm(o: LmRecipeOptions, hooks: TrainLmHooks = {}): Promise<LmTrainResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const elapsed = (): string => formatDuration((performance.now() - started) / 1000);
  validateLmOptions(o);
  const saved = await readRunFile(o.outputDir);
  const wanted = fixedSettings(o);
  if (saved) refuseOtherSettings(o.outputDir, saved.settings, wanted);
  await useBackend(o.backend);

  const text = await loadLmText(o.corpus, o.limit);
  const vocab = saved?.vocab ?? CharVocab.fromTexts(text.train, text.heldOut);
  const unknown = vocab.unknown(text.train + text.heldOut);
  if (unknown.length > 0)
    throw new Error(
      `${o.outputDir}: the corpus has characters the run's vocabulary lacks (${unknown.slice(0, 5).join('')}); use another --output`,
    );
  const promptUnknown = vocab.unknown(o.samplePrompt);
  if (promptUnknown.length > 0)
    throw new RangeError(`--prompt has characters the corpus lacks: ${promptUnknown.map((c) => JSON.stringify(c)).join(' ')}`);
  log(
    `Text of ${o.corpus}: ${text.train.length} training characters (${text.sentences.train} sentences), ${text.heldOut.length} held-out ` +
      `(${text.sentences.heldOut} sentences); ${vocab.size - 1} distinct characters [${elapsed()}]`,
  );
  await makeDirectory(o.outputDir);
  if (!saved) await writeRunFile(o.outputDir, { settings: wanted, vocab });
  if (hooks.stopSignal?.requested) return { steps: 0, heldOutBitsPerChar: undefined, seconds: (performance.now() - started) / 1000 };

  const trainIds = vocab.encode(text.train);
  const heldOutIds = vocab.encode(text.heldOut);
  const model = lmModel(o.model, vocab.size, o.seqLen, 'train');
  const trainTask = new TrainTask({
    labeledData: trainingBatches(trainIds, o.seqLen, o.batchSize, o.seed),
    lossLayer: CrossEntropyLoss(),
    optimizer: new Adam({ learningRate: o.learningRate, clipGradNorm: 1 }),
    lrSchedule: warmupLinearDecay(o.warmupSteps, o.learningRate, o.steps),
    nStepsPerCheckpoint: o.evalEvery,
  });
  const evalTask = new EvalTask({
    labeledData: data.FromArray(heldOutBatches(heldOutIds, o.seqLen, o.batchSize, o.evalBatches * o.batchSize)),
    metrics: [CrossEntropyLoss(), BitsPerCharacter()],
    metricNames: ['CrossEntropyLoss', 'BitsPerCharacter'],
    nEvalBatches: o.evalBatches,
  });

  const predict = predictModel(o.model, vocab.size, o.seqLen);
  const predictOwnsWeights = { initial: true };
  const samplesFile = path.join(o.outputDir, 'samples.txt');
  const sampler: TrainingCallback = {
    onEvaluation: async ({ step, loop }) => {
      if (o.sampleLength === 0) return;
      shareWeights(predict, loop.model, predictOwnsWeights);
      const sample = generateText(predict, vocab, o.seqLen, o.samplePrompt, {
        length: o.sampleLength,
        temperature: 0.8,
        seed: o.seed + step,
      });
      log(`Step ${step} sample: ${JSON.stringify(o.samplePrompt + sample)}`);
      await fs.appendFile(samplesFile, `step ${step}: ${o.samplePrompt}${sample}\n`);
    },
  };
  const deadline = o.maxMinutes > 0 ? performance.now() + o.maxMinutes * 60_000 : Infinity;
  let timedOut = false;
  let stepsAtStart = 0;
  const runStarted = performance.now();
  const limits: TrainingCallback = {
    onStepEnd: ({ step, loss }) => {
      if (step % o.logEvery === 0 || step === o.steps) {
        log(progressLine({ step, total: o.steps, done: step - stepsAtStart, seconds: (performance.now() - runStarted) / 1000, loss }));
      }
      if (hooks.stopSignal?.requested) return 'stop';
      if (performance.now() > deadline) {
        timedOut = true;
        return 'stop';
      }
      return undefined;
    },
  };
  const every = (step: number): boolean => step % o.evalEvery === 0;
  const loop = await Loop(model, trainTask, {
    evalTasks: [evalTask],
    outputDir: o.outputDir,
    seed: o.seed,
    evalAt: every,
    checkpointAt: every,
    callbacks: [limits, sampler],
    logger: log,
    progress: false,
  });
  stepsAtStart = loop.step;
  const { dModel, nLayers, attention } = o.model;
  log(
    `Model: ReformerLM, ${nLayers} layers, dModel ${dModel}, ${attention} attention, windows of ${o.seqLen} characters, batches of ${o.batchSize}`,
  );
  if (loop.step > 0) log(`Resumed at step ${loop.step} of ${o.steps} [${elapsed()}]`);
  try {
    const trainStarted = performance.now();
    await loop.run(Math.max(0, o.steps - loop.step));
    const trained = loop.step - stepsAtStart;
    if (trained > 0) {
      const seconds = (performance.now() - trainStarted) / 1000;
      log(
        `Trained ${trained} steps in ${formatDuration(seconds)} (${(trained / seconds).toFixed(2)} steps/s)${timedOut ? `: stopped by the ${o.maxMinutes}-minute limit` : ''} [${elapsed()}]`,
      );
    }
    if (loop.step > 0 && (loop.lastCheckpoint?.step ?? -1) !== loop.step) await loop.saveCheckpoint();
    if (hooks.stopSignal?.requested) {
      log(`Stopped at step ${loop.step}; checkpoint written. Run the same command again to resume.`);
      return { steps: loop.step, heldOutBitsPerChar: undefined, seconds: (performance.now() - started) / 1000 };
    }
    const windows = o.finalEvalChars > 0 ? Math.max(1, Math.floor(o.finalEvalChars / o.seqLen)) : Infinity;
    const { bits, chars } = bitsPerCharacter(model, heldOutBatches(heldOutIds, o.seqLen, o.batchSize, windows));
    log(`Held-out text: ${bits.toFixed(4)} bits per character over ${chars} characters (model of step ${loop.step}) [${elapsed()}]`);
    await writeFileAtomic(
      path.join(o.outputDir, 'results.json'),
      JSON.stringify(
        { step: loop.step, heldOutBitsPerChar: bits, heldOutChars: chars, seconds: (performance.now() - started) / 1000 },
        null,
        1,
      ) + '\n',
    );
    return { steps: loop.step, heldOutBitsPerChar: bits, seconds: (performance.now() - started) / 1000 };
  } finally {
    loop.dispose();
  }
}
