/**
 * The NER recipe's settings, their defaults and the two documented presets.
 */
import { match } from 'ts-pattern';
import { type BackendName, ner } from '../../src/index.js';
import { DEFAULT_CORPUS } from './default_corpus.js';

const { DEFAULT_NER_MODEL_CONFIG, resolveNerModelConfig } = ner;
type NerModelConfig = ner.NerModelConfig;
type NerSplitKind = ner.NerSplitKind;

/** Everything `train` needs. */
export interface NerRecipeOptions {
  /** The corpus (`--train`, or `--corpus`): GMB CSV (`.csv`, `.csv.gz`) or CoNLL file; the split's parts come from it. */
  corpus: string;
  /** A file of dev sentences (`--dev`; '': the split of `corpus` gives them). */
  devCorpus: string;
  /** A file of test sentences (`--test`; '': the split of `corpus` gives them). */
  testCorpus: string;
  /** CoNLL files: the 0-based column of the tag (`--tag-column`; -1: the last). */
  tagColumn: number;
  /**
   * `--split`: 'sentences' (default: sentences drawn at random) or 'blocks' (whole documents: CoNLL `-DOCSTART-`
   * documents, GMB runs of 10 sentences), both seeded (seed 1), 80/10/10 (see `loadNerSplits`).
   */
  split: NerSplitKind;
  /** Checkpoints, metrics, reports and the exported model go here; a directory holding a checkpoint is resumed. */
  outputDir: string;
  /** The model (see `NerModelConfig`). */
  model: NerModelConfig;
  /** Total training steps (a resumed run continues up to this). */
  steps: number;
  /** Stop training after this many minutes of this invocation (0: no limit); the best checkpoint is then tested. */
  maxMinutes: number;
  /** About this many token positions per batch. */
  batchTokens: number;
  /** Peak learning rate (Adam), reached after `warmupSteps`, then decayed linearly to a tenth at `steps`. */
  learningRate: number;
  warmupSteps: number;
  /**
   * Polyak averaging (0: off): the optimizer keeps an exponential moving average of the weights with this decay,
   * and dev scoring, the best checkpoint, the test and the exported model use the averages.
   */
  averageDecay: number;
  /** Gradient clipping by global norm (0: none). */
  clipGradNorm: number;
  /** Seed of the weights, the data order and dropout (the split has its own fixed seed). */
  seed: number;
  /**
   * Taggers trained (1: one). With n > 1, member k is trained as a single run with seed `seed + k - 1` in
   * `<outputDir>/member-<k>`, one after another, and the ensemble of their best checkpoints (scores averaged) is
   * tested and exported to `<outputDir>/model`.
   */
  ensemble: number;
  /**
   * Ensemble members trained at the same time, each in its own process with its own one-threaded backend (1: one
   * after another). Up to one per core; the results do not depend on it.
   */
  jobs: number;
  /**
   * Threads one run trains on: each batch cut over this thread and `workers - 1` worker threads, gradients summed
   * (data-parallel, `ner.nerDataParallel`). A run resumes with any count. Default 1: see the recipe README for
   * what more threads give today.
   */
  workers: number;
  /** Steps between evaluations (dev entity F1, best checkpoint) and rolling checkpoints. */
  evalEvery: number;
  /** Dev sentences scored during training (0: all); the final model choice and the test use all. */
  devSentences: number;
  /** Read at most this many sentences of the corpus (0: all), for quick runs. */
  limit: number;
  /** Vocabulary: training words seen fewer times become UNK. */
  minWordCount: number;
  /** Vocabulary: lowercase words (the word-shape feature keeps the case). */
  lowercase: boolean;
  /** Word dropout: probability of replacing a training word by UNK. */
  unkRate: number;
  /**
   * Pretrained word vectors (`--word-vectors`: GloVe or word2vec text, fastText `.vec`, word2vec `.bin`, plain or
   * gzip; '': none). The word vocabulary is then the training words plus the dev and test words that have a
   * vector, and the word embedding starts from the vectors (other rows random). Vectors of another dimension than
   * `model.dModel` get a learned projection (`model.wordVectorDim` is set to their dimension).
   */
  wordVectors: string;
  /** `--freeze-vectors`: training leaves the word embedding as the vectors made it (default false: fine-tuned). */
  freezeVectors: boolean;
  /** tfjs backend. */
  backend: BackendName;
}

/**
 * The default preset: what `npm run ner` trains, sized to finish (data, training, evaluation, test) within 20
 * minutes on 2 cores with the wasm backend: the library's default model with a BiLSTM before the encoder
 * (measured: 13 min 56 s, test F1 0.8460; without the BiLSTM 10 min 46 s, 0.8403).
 */
export const DEFAULT_RECIPE: Readonly<NerRecipeOptions> = Object.freeze({
  corpus: DEFAULT_CORPUS,
  devCorpus: '',
  testCorpus: '',
  tagColumn: -1,
  split: 'sentences',
  outputDir: 'runs/ner',
  model: Object.freeze({ ...DEFAULT_NER_MODEL_CONFIG, bilstm: true }),
  steps: 3200,
  maxMinutes: 17,
  batchTokens: 2048,
  learningRate: 2e-3,
  warmupSteps: 200,
  averageDecay: 0.999,
  clipGradNorm: 1,
  seed: 1,
  ensemble: 1,
  jobs: 1,
  workers: 1,
  evalEvery: 400,
  devSentences: 2000,
  limit: 0,
  minWordCount: 1,
  lowercase: false,
  unkRate: 0.05,
  wordVectors: '',
  freezeVectors: false,
  backend: 'wasm',
});

/**
 * The best configuration found: an ensemble of three taggers (seeds 1, 2, 3), each the default model (with its
 * BiLSTM) trained 4,000 steps and scored on the whole dev split every 500
 * steps; two members train at a time, each in its own process. Test F1 0.8516 (members 0.8461, 0.8461,
 * 0.8453); wider or deeper encoders, more dropout or word dropout, and a larger character CNN did not score higher
 * on dev (see recipes/ner/README.md).
 */
export const BEST_RECIPE: Readonly<NerRecipeOptions> = Object.freeze({
  ...DEFAULT_RECIPE,
  outputDir: 'runs/ner-best',
  steps: 4000,
  maxMinutes: 0,
  evalEvery: 500,
  devSentences: 0,
  ensemble: 3,
  jobs: 2,
  workers: 1,
});

/** The options of a preset. */
export function presetOptions(name: string): NerRecipeOptions {
  return match(name)
    .with('default', () => ({ ...DEFAULT_RECIPE }))
    .with('best', () => ({ ...BEST_RECIPE }))
    .otherwise(() => {
      throw new Error(`unknown preset '${name}': use 'default' or 'best'`);
    });
}

/**
 * The model of a preset (`base`) with settings over it (`settings`: flags or a config file's `model`), where
 * `encoder` (when given) chooses the context encoder. The presets' BiLSTM before the encoder belongs to their
 * Reformer model: choosing another encoder leaves it out unless `bilstmGiven` (the settings say `bilstm`
 * themselves), so that `--encoder bilstm` or `--encoder cnn` is that encoder on the same embeddings. Checked (a
 * `NerConfigError` names a bad value).
 */
export function withEncoder(
  base: NerModelConfig,
  settings: Record<string, unknown>,
  encoder: string | undefined,
  bilstmGiven: boolean,
): NerModelConfig {
  const config: Record<string, unknown> = { ...base, ...settings };
  if (encoder !== undefined) {
    config['encoder'] = encoder;
    if (encoder !== 'reformer' && !bilstmGiven) config['bilstm'] = false;
  }
  return resolveNerModelConfig(config);
}

/** The command-line flag of each recipe setting, for messages that both library and CLI users can act on. */
const FLAGS: Partial<Record<keyof NerRecipeOptions, string>> = {
  steps: '--steps',
  maxMinutes: '--max-minutes',
  batchTokens: '--batch-tokens',
  learningRate: '--lr',
  warmupSteps: '--warmup-steps',
  averageDecay: '--average-decay',
  seed: '--seed',
  ensemble: '--ensemble',
  jobs: '--jobs',
  workers: '--workers',
  evalEvery: '--eval-every',
  devSentences: '--dev-sentences',
  limit: '--limit',
  minWordCount: '--min-word-count',
  unkRate: '--unk-rate',
  wordVectors: '--word-vectors',
  freezeVectors: '--freeze-vectors',
  corpus: '--train',
  devCorpus: '--dev',
  testCorpus: '--test',
  tagColumn: '--tag-column',
  split: '--split',
};

/**
 * Refuses settings no run can use, naming the setting (and its flag) and the value, before anything is read or
 * written (a refused value must never be stored in `recipe.json`, where it would lock the output directory).
 */
export function validateRecipeOptions(o: NerRecipeOptions): void {
  const fail = (key: keyof NerRecipeOptions, rule: string): never => {
    const flag = FLAGS[key];
    throw new RangeError(`${key}${flag ? ` (${flag})` : ''} must be ${rule}, got ${JSON.stringify(o[key])}`);
  };
  const integer = (key: keyof NerRecipeOptions, min: number): void => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(key, `an integer >= ${min}`);
  };
  const rate = (key: keyof NerRecipeOptions): void => {
    const v = o[key];
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(key, 'a number in [0, 1)');
  };
  integer('steps', 1);
  integer('batchTokens', 1);
  integer('warmupSteps', 0);
  integer('seed', 0);
  integer('ensemble', 1);
  integer('jobs', 1);
  integer('workers', 1);
  integer('evalEvery', 1);
  integer('devSentences', 0);
  integer('limit', 0);
  integer('minWordCount', 1);
  rate('unkRate');
  rate('averageDecay');
  if (typeof o.learningRate !== 'number' || !(o.learningRate > 0 && Number.isFinite(o.learningRate)))
    fail('learningRate', 'a positive number');
  if (typeof o.maxMinutes !== 'number' || !(o.maxMinutes >= 0 && Number.isFinite(o.maxMinutes)))
    fail('maxMinutes', 'a non-negative number (0: no limit)');
  if (typeof o.clipGradNorm !== 'number' || !(o.clipGradNorm >= 0 && Number.isFinite(o.clipGradNorm)))
    fail('clipGradNorm', 'a non-negative number (0: none)');
  if (typeof o.corpus !== 'string' || o.corpus === '') fail('corpus', 'a file path');
  if (typeof o.devCorpus !== 'string') fail('devCorpus', "a file path ('': from the split)");
  if (typeof o.testCorpus !== 'string') fail('testCorpus', "a file path ('': from the split)");
  if (typeof o.tagColumn !== 'number' || !Number.isSafeInteger(o.tagColumn) || o.tagColumn < -1)
    fail('tagColumn', 'an integer >= 0 (-1: the last column)');
  if (o.split !== 'sentences' && o.split !== 'blocks') fail('split', "'sentences' or 'blocks'");
  if (typeof o.outputDir !== 'string' || o.outputDir === '') fail('outputDir', 'a directory path');
  if (typeof o.lowercase !== 'boolean') fail('lowercase', 'true or false');
  if (typeof o.wordVectors !== 'string') fail('wordVectors', "a file path ('': none)");
  if (typeof o.freezeVectors !== 'boolean') fail('freezeVectors', 'true or false');
  if (o.freezeVectors && o.wordVectors === '') fail('freezeVectors', 'false without word vectors (--freeze-vectors needs --word-vectors)');
  if (o.backend !== 'wasm' && o.backend !== 'cpu') fail('backend', "'wasm' or 'cpu'");
}
