/**
 * The NER training recipe: the GMB corpus (or any IOB2 corpus), the fixed split, vocabularies, the tagger model,
 * TrainTask/EvalTask/Loop with dev entity F1 and the best checkpoint, then the test table and the exported model.
 */
import * as path from 'node:path';
import {
  Adam,
  CrossEntropyLoss,
  EvalTask,
  latestCheckpoint,
  Loop,
  makeDirectory,
  type TrainingCallback,
  TrainTask,
  useBackend,
  warmupLinearDecay,
  WeightedCategoryAccuracy,
  WeightedCategoryCrossEntropy,
  writeFileAtomic,
  ner,
} from '../../src/index.js';
import { loadRecipeVectors, withSavedVectorWidth } from './recipe_vectors.js';
import { taggerFromCheckpoint } from './checkpoint_tagger.js';
import { BEST_CHECKPOINT, DevF1Callback } from './dev_f1.js';
import { type NerRecipeOptions, validateRecipeOptions } from './options.js';
import { describeRecipeSplit, loadRecipeSplits, type RecipeCorpusSettings } from './recipe_splits.js';
import { ENSEMBLE_RUN_FILE, fixedSettings, readEnsembleRun, readRunState, refuseOtherSettings, writeRunState } from './run_state.js';

const {
  encodeExamples,
  nerBatches,
  CorpusError,
  buildNerVocabs,
  toConllevalJson,
  exportTagger,
  NerLoss,
  NerTaggerModel,
  formatNerReport,
  describeNerEncoder,
} = ner;
type NerVocabs = ner.NerVocabs;
type EntityScore = ner.EntityScore;
type WordEmbeddingRows = ner.WordEmbeddingRows;
/**
 * Refuses a corpus too small for the fixed 80/10/10 split to give every split a sentence (a 2-sentence corpus has
 * no dev or test sentence; a block split of a file with few documents neither), naming the corpus and the counts.
 */
export function refuseTooFewSentences(
  o: Pick<NerRecipeOptions, 'corpus' | 'limit'> & Partial<RecipeCorpusSettings>,
  splits: { train: readonly unknown[]; dev: readonly unknown[]; test: readonly unknown[] },
): void {
  const { train, dev, test } = splits;
  if (train.length > 0 && dev.length > 0 && test.length > 0) return;
  const total = train.length + dev.length + test.length;
  throw new CorpusError(
    o.corpus,
    undefined,
    `${o.limit > 0 ? `(--limit ${o.limit}) ` : ''}${total} sentence(s) are too few to train on: the split (${describeRecipeSplit({ devCorpus: '', testCorpus: '', tagColumn: -1, split: 'sentences', ...o })}) gives ` +
      `${train.length} train, ${dev.length} dev, ${test.length} test sentences, and each split needs at least one ` +
      `(give at least 10 sentences${o.split === 'blocks' ? ', in at least 8 documents' : ''})`,
  );
}

/** What a training run produced. */
export interface NerTrainResult {
  /** The test split's score (of the best dev checkpoint), or undefined when the run was interrupted. */
  test: EntityScore | undefined;
  /** Steps trained in total. */
  steps: number;
  bestStep: number | undefined;
  bestDevF1: number | undefined;
  /** Where the model was exported. */
  modelDir: string | undefined;
  seconds: number;
  /** An ensemble's members (see `trainNerEnsemble`); `bestDevF1` is then the ensemble's dev entity F1. */
  members?: NerMemberResult[];
}

/** One member of an ensemble run. */
export interface NerMemberResult {
  /** Its run directory. */
  dir: string;
  seed: number;
  /** Its best dev checkpoint's step and dev entity F1, and that checkpoint's test entity F1. */
  bestStep: number | undefined;
  bestDevF1: number | undefined;
  testF1: number | undefined;
  /** Whether this invocation found it finished and did not train or test it. */
  skipped: boolean;
}

/** Options of {@link trainNer} beyond the recipe's settings. */
export interface TrainNerHooks {
  log?: (line: string) => void;
  /** Show the live progress line when stdout is a terminal (default true). */
  progress?: boolean;
  /** Read after every step: true stops the run after it (Ctrl-C), with a checkpoint. */
  stopSignal?: { readonly requested: boolean };
  /**
   * The module ensemble members' processes are forked from when they are trained in parallel (`jobs` > 1): one
   * that calls `serveMemberProcess()` when `isMemberProcess()` (the recipe's entry point, `recipes/ner.ts`, does).
   */
  memberEntry?: URL;
  /** Called after every training step with the step (from 1) and its loss. */
  onStep?: (step: number, loss: number) => void;
}

/** Trains (or resumes) a tagger, tests the best dev checkpoint, writes the reports and exports the model. */
export async function trainNer(options: NerRecipeOptions, hooks: TrainNerHooks = {}): Promise<NerTrainResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  let o = options;
  validateRecipeOptions(o);
  if (o.ensemble > 1) throw new RangeError(`trainNer trains one tagger (ensemble ${o.ensemble}): use trainNerEnsemble`);
  await useBackend(o.backend);

  const outputDir = o.outputDir;
  const ensemble = await readEnsembleRun(outputDir);
  if (ensemble) {
    const n = ensemble.members.length;
    throw new Error(
      `${outputDir} holds an ensemble of ${n} members (${ENSEMBLE_RUN_FILE}); train it with --ensemble ${n}, or use another --output directory`,
    );
  }
  const saved = await readRunState(outputDir);
  // A resumed run with word vectors has the word-embedding width its first invocation set from the vectors.
  o = withSavedVectorWidth(o, saved);
  if (saved) refuseOtherSettings(outputDir, saved.settings, fixedSettings(o));
  await makeDirectory(outputDir);

  const { train, dev, test } = await loadRecipeSplits(o);
  refuseTooFewSentences(o, { train, dev, test });
  log(
    `Corpus ${o.corpus}: ${train.length} train, ${dev.length} dev, ${test.length} test sentences (split: ${describeRecipeSplit(o)}) [${elapsed()}]`,
  );
  if (hooks.stopSignal?.requested) {
    log('Stopped before training started; nothing written.');
    return {
      test: undefined,
      steps: 0,
      bestStep: undefined,
      bestDevF1: undefined,
      modelDir: undefined,
      seconds: (performance.now() - started) / 1000,
    };
  }
  let vocabs: NerVocabs =
    saved?.vocabs ?? buildNerVocabs(train, [...train, ...dev, ...test], { minWordCount: o.minWordCount, lowercase: o.lowercase });
  // The vectors are read when the weights start from them: a new run, or one stopped before its first checkpoint.
  let pretrained: WordEmbeddingRows | undefined;
  if (o.wordVectors !== '' && !(await latestCheckpoint(outputDir))) {
    const vectors = await loadRecipeVectors(o.wordVectors, o.model, vocabs.words, { train, dev, test }, !saved);
    if (saved && vectors.model.wordVectorDim !== saved.settings.model.wordVectorDim)
      refuseOtherSettings(outputDir, saved.settings, fixedSettings({ ...o, model: vectors.model }));
    o = { ...o, model: vectors.model };
    vocabs = { ...vocabs, words: vectors.words };
    pretrained = vectors.rows;
    log(vectors.summary);
  }
  if (!saved) await writeRunState(outputDir, fixedSettings(o), vocabs, o);
  log(`Vocabularies: ${vocabs.words.size} words, ${vocabs.chars.size} characters, ${vocabs.tags.size} tags`);

  const config = o.model;
  const sizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  const trainExamples = encodeExamples(train, vocabs, config);
  const devExamples = encodeExamples(dev, vocabs, config);
  const model = NerTaggerModel(config, sizes, 'train', { ...(pretrained ? { pretrained } : {}), freeze: o.freezeVectors });
  const lossLayer = NerLoss(config, sizes.nTags);
  const trainTask = new TrainTask({
    labeledData: nerBatches(trainExamples, { seed: o.seed, batchTokens: o.batchTokens, maxLength: config.maxLen, unkRate: o.unkRate }),
    lossLayer,
    optimizer: new Adam({
      learningRate: o.learningRate,
      averageDecay: o.averageDecay,
      ...(o.clipGradNorm > 0 ? { clipGradNorm: o.clipGradNorm } : {}),
    }),
    lrSchedule: warmupLinearDecay(o.warmupSteps, o.learningRate, o.steps),
    nStepsPerCheckpoint: o.evalEvery,
  });
  // Token-level dev metrics on a few batches (cheap, every evaluation); entity F1 comes from the callback.
  const evalTask = new EvalTask({
    labeledData: nerBatches(devExamples, { seed: o.seed + 1, batchTokens: o.batchTokens }),
    metrics: [config.crf ? WeightedCategoryCrossEntropy() : CrossEntropyLoss(), WeightedCategoryAccuracy()],
    metricNames: [config.crf ? 'EmissionCrossEntropy' : 'CrossEntropyLoss', 'TokenAccuracy'],
    nEvalBatches: 4,
  });
  const devForF1 = o.devSentences > 0 ? dev.slice(0, o.devSentences) : dev;
  const devF1 = new DevF1Callback({ outputDir, config, vocabs, dev: devForF1, lossLayer, log, averaged: o.averageDecay > 0 });
  await devF1.restore();
  const deadline = o.maxMinutes > 0 ? performance.now() + o.maxMinutes * 60_000 : Infinity;
  let timedOut = false;
  const limits: TrainingCallback = {
    onStepEnd: ({ step, loss }) => {
      hooks.onStep?.(step, loss);
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
    outputDir,
    seed: o.seed,
    evalAt: every,
    checkpointAt: every,
    callbacks: [devF1, limits],
    logger: log,
    progress: hooks.progress ?? true,
    ...(o.workers > 1 ? { dataParallel: ner.nerDataParallel(o.workers, { config, sizes, freezeVectors: o.freezeVectors }) } : {}),
  });
  if (o.workers > 1) log(`Training on ${o.workers} threads: each batch cut over this one and ${o.workers - 1} worker threads`);
  if (loop.step > 0) log(`Resumed at step ${loop.step} of ${o.steps} [${elapsed()}]`);
  log(
    `Model: ${config.encoder === 'reformer' ? `${config.nLayers} blocks, dModel ${config.dModel}, ${config.attention} attention${config.reversible ? ', reversible' : ''}` : `${describeNerEncoder(config)}, dModel ${config.dModel}`}${config.charFeatures ? ', char CNN' : ''}${config.wordShapes ? ', word shapes' : ''}${config.bilstm && config.encoder === 'reformer' ? ', BiLSTM' : ''}${config.crf ? ', CRF' : ''}${config.contextTokens > 0 ? `, document context of ${config.contextTokens} tokens` : ''}${o.wordVectors !== '' ? `, word vectors${o.freezeVectors ? ' (frozen)' : ' (fine-tuned)'}` : ''}`,
  );

  try {
    const remaining = Math.max(0, o.steps - loop.step);
    const trainStarted = performance.now();
    const stepBefore = loop.step;
    await loop.run(remaining);
    const trained = loop.step - stepBefore;
    if (trained > 0) {
      const seconds = (performance.now() - trainStarted) / 1000;
      log(
        `Trained ${trained} steps in ${seconds.toFixed(1)} s (${(trained / seconds).toFixed(2)} steps/s)${timedOut ? `: stopped by the ${o.maxMinutes}-minute limit` : ''} [${elapsed()}]`,
      );
    }
    if (hooks.stopSignal?.requested) {
      await loop.saveCheckpoint();
      log(`Stopped at step ${loop.step}; checkpoint written. Run the same command again to resume.`);
      return {
        test: undefined,
        steps: loop.step,
        bestStep: devF1.bestRecord?.step,
        bestDevF1: devF1.bestRecord?.f1,
        modelDir: undefined,
        seconds: (performance.now() - started) / 1000,
      };
    }
    if (loop.step > 0 && (loop.lastCheckpoint?.step ?? -1) !== loop.step) {
      await devF1.evaluateNow(loop);
      await loop.saveCheckpoint();
    }
  } finally {
    loop.dispose();
  }

  const best = devF1.bestRecord;
  const bestDir = best ? path.join(outputDir, BEST_CHECKPOINT) : await latestCheckpoint(outputDir);
  if (!bestDir) throw new Error(`${outputDir}: no checkpoint to test (train for at least one step)`);
  const tagger = await taggerFromCheckpoint(bestDir, config, vocabs);
  const testStarted = performance.now();
  const score = tagger.evaluate(test);
  const title = `Test split (${test.length} sentences), model of step ${best?.step ?? '?'} (best dev entity F1 ${best?.f1.toFixed(4) ?? '?'}), ${((performance.now() - testStarted) / 1000).toFixed(1)} s`;
  const report = formatNerReport(score, title);
  log(report.trimEnd());
  await writeFileAtomic(path.join(outputDir, 'test_report.txt'), report);
  await writeFileAtomic(
    path.join(outputDir, 'test_report.json'),
    JSON.stringify(
      { split: 'test', sentences: test.length, step: best?.step, devF1: best?.f1, score, conlleval: toConllevalJson(score) },
      null,
      1,
    ) + '\n',
  );
  const modelDir = path.join(outputDir, 'model');
  await exportTagger(tagger, modelDir, { corpus: path.basename(o.corpus), step: best?.step, devF1: best?.f1, testF1: score.overall.f1 });
  log(`Exported the model to ${modelDir}; reports in ${path.join(outputDir, 'test_report.txt')} and test_report.json [total ${elapsed()}]`);
  return {
    test: score,
    steps: o.steps,
    bestStep: best?.step,
    bestDevF1: best?.f1,
    modelDir,
    seconds: (performance.now() - started) / 1000,
  };
}
