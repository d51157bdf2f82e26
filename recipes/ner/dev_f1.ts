/**
 * The training callback that scores the model on dev sentences by entity F1 at every evaluation (appended to
 * `dev_f1.jsonl`, and recorded in the loop's history as `eval/entity_f1`) and keeps the best checkpoint
 * (`best_dev_f1/`, with `best_dev_f1.json` beside it).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CrfLossLayer, type Layer, ner, type TrainingCallback, type TrainingLoop, writeFileAtomic } from '../../src/index.js';

export const BEST_CHECKPOINT = 'best_dev_f1';
const BEST_FILE = 'best_dev_f1.json';
/** One JSON line per evaluation: step, entity F1, precision, recall, token accuracy. */
const DEV_FILE = 'dev_f1.jsonl';

/** What `best_dev_f1.json` records. */
export interface BestRecord {
  step: number;
  f1: number;
  precision: number;
  recall: number;
  tokenAccuracy: number;
}

/**
 * The best record of a run directory, or undefined when it has none yet. A record that cannot be read or parsed is
 * refused naming the file (an export must not quietly fall back to another checkpoint).
 */
export async function readBest(outputDir: string): Promise<BestRecord | undefined> {
  const file = path.join(outputDir, BEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot be read (${(error as Error).message})`, { cause: error });
  }
  let json: Partial<BestRecord> | null;
  try {
    json = JSON.parse(text) as Partial<BestRecord> | null;
  } catch (error) {
    throw new Error(`${file}: damaged (${(error as Error).message}); delete it to fall back to the latest checkpoint, or restore it`, {
      cause: error,
    });
  }
  if (json === null || typeof json !== 'object' || typeof json.step !== 'number' || typeof json.f1 !== 'number') {
    throw new Error(`${file}: damaged (needs a step and an f1); delete it to fall back to the latest checkpoint, or restore it`);
  }
  return json as BestRecord;
}

export interface DevF1Options {
  outputDir: string;
  config: ner.NerModelConfig;
  vocabs: ner.NerVocabs;
  dev: readonly ner.Sentence[];
  lossLayer: Layer;
  log: (line: string) => void;
  /** Score (and keep as the best checkpoint) the weights' moving averages instead of the weights. */
  averaged?: boolean;
}

function crfLayerOf(loss: Layer): CrfLossLayer {
  if (!(loss instanceof CrfLossLayer)) throw new Error(`the model config has a CRF, but the loss layer ${loss.name} is not a CRF loss`);
  return loss;
}

/** Scores a loop's current model on sentences (the model goes to mode eval and back). */
export function scoreLoopModel(loop: TrainingLoop, o: Omit<DevF1Options, 'outputDir' | 'log'>): ner.EntityScore {
  const tagger = new ner.NerTagger({
    model: loop.model,
    config: o.config,
    vocabs: o.vocabs,
    ...(o.config.crf ? { crf: crfLayerOf(o.lossLayer).crfParameters() } : {}),
  });
  return tagger.evaluate(o.dev);
}

/** The callback, plus `evaluateNow` for the end of a run whose last step was not an evaluation step. */
export class DevF1Callback implements TrainingCallback {
  private best: BestRecord | undefined;
  private lastStep = 0;

  constructor(private readonly o: DevF1Options) {}

  /** Loads the best record of an earlier (resumed) run. */
  async restore(): Promise<void> {
    this.best = await readBest(this.o.outputDir);
  }

  get bestRecord(): BestRecord | undefined {
    return this.best;
  }

  async onEvaluation({ step, loop }: { step: number; loop: TrainingLoop }): Promise<void> {
    await this.evaluateNow(loop, step);
  }

  /** Scores dev at this step (once per step), records `eval/entity_f1`, and saves the best checkpoint. */
  async evaluateNow(loop: TrainingLoop, step = loop.step): Promise<void> {
    if (step === this.lastStep) return;
    this.lastStep = step;
    if (this.o.averaged) await loop.withAveragedWeights(() => this.scoreAndKeep(loop, step));
    else await this.scoreAndKeep(loop, step);
  }

  private async scoreAndKeep(loop: TrainingLoop, step: number): Promise<void> {
    const started = performance.now();
    const score = scoreLoopModel(loop, this.o);
    const f1 = score.overall.f1;
    await loop.recordMetrics([{ mode: 'eval', task: 0, name: 'entity_f1', value: f1 }], step);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const isBest = this.best === undefined || f1 > this.best.f1;
    const record = {
      step,
      f1,
      precision: score.overall.precision,
      recall: score.overall.recall,
      tokenAccuracy: score.tokenAccuracy,
      sentences: score.sentences,
    };
    const devFile = path.join(this.o.outputDir, DEV_FILE);
    const earlier = await fs.readFile(devFile, 'utf8').catch(() => '');
    await writeFileAtomic(devFile, earlier + JSON.stringify(record) + '\n');
    this.o.log(
      `Step ${String(step).padStart(6)}: dev entity F1 ${f1.toFixed(4)} (P ${score.overall.precision.toFixed(4)}, R ${score.overall.recall.toFixed(4)}, ` +
        `token acc ${score.tokenAccuracy.toFixed(4)}; ${score.sentences} sentences in ${seconds} s)${isBest ? ' best so far' : ''}`,
    );
    if (isBest) {
      this.best = { step, f1, precision: score.overall.precision, recall: score.overall.recall, tokenAccuracy: score.tokenAccuracy };
      await loop.saveCheckpoint(BEST_CHECKPOINT);
      await writeFileAtomic(path.join(this.o.outputDir, BEST_FILE), JSON.stringify(this.best, null, 1) + '\n');
    }
  }
}
