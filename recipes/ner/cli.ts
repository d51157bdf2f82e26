/**
 * The NER recipe's command line (commander): `train`, `eval`, `predict`, `export`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { type BackendName, ner, useBackend } from '../../src/index.js';
import { loadRecipeSplits, describeRecipeSplit } from './recipe_splits.js';
import { runCorpusSettings } from './run_corpus.js';
import { trainNerEnsemble } from './ensemble.js';
import { type NerRecipeOptions, presetOptions, validateRecipeOptions, withEncoder } from './options.js';
import { taggerFromRun } from './run_tagger.js';
import { trainNer } from './train.js';
import { DEFAULT_CORPUS, resolveCorpusPath } from './default_corpus.js';
import { scoreCommand, type ScoreCommandOptions } from './score_command.js';
import { version } from '../../package.json';
import { RecipeConfigError, recipeFromConfigFile } from './recipe_config.js';
import { installStopSignal, releaseStopSignal } from './stop_signal.js';
import { integerAtLeast, nonNegativeNumber, positiveNumber, rate, USAGE_ERROR } from '../cli_numbers.js';
import { DEFAULT_INFERENCE_WORKERS, withTaggerPool } from './pooled_tagging.js';

export { USAGE_ERROR };

const MODEL_FLAGS: Array<[flag: string, key: keyof ner.NerModelConfig, parse: ((v: string) => unknown) | null, description: string]> = [
  ['--layers <n>', 'nLayers', integerAtLeast(1), 'encoder blocks'],
  ['--d-model <n>', 'dModel', integerAtLeast(1), 'embedding and encoder width'],
  ['--d-ff <n>', 'dFf', integerAtLeast(1), 'feed-forward width'],
  ['--heads <n>', 'nHeads', integerAtLeast(1), 'attention heads'],
  ['--chunk-len <n>', 'chunkLen', integerAtLeast(1), "chunk length of 'chunked' and 'lsh' attention"],
  ['--local-radius <n>', 'localRadius', integerAtLeast(1), "positions on each side that 'local' attention sees"],
  ['--dropout <rate>', 'dropout', rate, 'dropout rate'],
  ['--max-len <n>', 'maxLen', integerAtLeast(1), 'longest sentence taken in one piece'],
  [
    '--context-tokens <n>',
    'contextTokens',
    integerAtLeast(0),
    'document context: encode each sentence in a window of up to n tokens of its document (0: each sentence alone; at most --max-len)',
  ],
  ['--char-filters <n>', 'charFilters', integerAtLeast(1), 'filters of the character CNN'],
  ['--max-word-length <n>', 'maxWordLength', integerAtLeast(1), 'characters per word seen by the character CNN'],
];

/** The `model` part of the options: `base` (preset and config file) with the flags. */
function modelConfig(base: ner.NerModelConfig, opts: Record<string, unknown>): ner.NerModelConfig {
  const config: Record<string, unknown> = { ...base };
  for (const [flag, key] of MODEL_FLAGS) {
    const value = opts[new Option(flag).attributeName()];
    if (value !== undefined) config[key] = value;
  }
  for (const key of ['attention', 'reversible', 'charFeatures', 'wordShapes', 'bilstm', 'crf'] as const)
    if (opts[key] !== undefined) config[key] = opts[key];
  return withEncoder(base, config, opts['encoder'] as string | undefined, opts['bilstm'] !== undefined);
}

/**
 * A tagger from a model directory: an exported tagger or ensemble, or a training output directory (its export, or
 * its best checkpoint; for an ensemble's, the ensemble of its members' best checkpoints).
 */
export async function openTagger(dir: string): Promise<ner.NerTagger> {
  const exists = async (p: string): Promise<boolean> =>
    fs.access(p).then(
      () => true,
      () => false,
    );
  if (await exists(path.join(dir, ner.TAGGER_FILES.manifest))) return ner.loadTaggerFromDirectory(dir);
  if (await exists(path.join(dir, 'model', ner.TAGGER_FILES.manifest))) return ner.loadTaggerFromDirectory(path.join(dir, 'model'));
  const run = await taggerFromRun(dir);
  if (run) return run.tagger;
  return ner.loadTaggerFromDirectory(dir); // reports what is missing
}

/** Standard input, decoded as `--file` is (UTF-8, else cp1252). */
async function readStdin(): Promise<string> {
  return ner.readText(process.stdin, { sourceName: '<stdin>' });
}

/** `--workers` of eval and predict. */
function workersOption(): Option {
  return new Option(
    '--workers <n>',
    'worker threads tagging at the same time, each with its own copy of the model (up to 256 sentences are tagged in this process, without workers)',
  )
    .argParser(integerAtLeast(1))
    .default(DEFAULT_INFERENCE_WORKERS, `the number of cores, ${DEFAULT_INFERENCE_WORKERS} here`);
}

/** The program; `write` receives stdout text (tests capture it). */
export function nerProgram(write: (text: string) => void = (t) => process.stdout.write(t), memberEntry?: URL): Command {
  const program = new Command('trax-ner')
    .version(version, '-V, --version', 'print the version of trax-ts')
    .description('Named-entity recognition with trax-ts: train on GMB (or any IOB2 corpus), evaluate, tag raw text, export.')
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: (t) => process.stderr.write(t) });

  const train = program
    .command('train', { isDefault: true })
    .description(
      'train a tagger (resumes from --output when it holds a checkpoint), test the best dev checkpoint, export it; with --ensemble n, n taggers and their ensemble',
    )
    .addOption(new Option('--preset <name>', 'settings to start from').choices(['default', 'best']).default('default'))
    .option(
      '--train <path>',
      'training corpus: GMB CSV (.csv, .csv.gz) or IOB2 CoNLL file (default: the shipped GMB corpus); split 80/10/10 into train, dev and test unless --dev/--test give those',
    )
    .option('--corpus <path>', 'the same as --train (its older name)')
    .option('--dev <path>', 'dev sentences from this file (the training corpus is then split 90/10, or not at all with --test too)')
    .option('--test <path>', 'test sentences from this file (the training corpus is then split 90/10, or not at all with --dev too)')
    .option('--tag-column <n>', 'CoNLL files: the 0-based column of the tag (default: the last)', integerAtLeast(0))
    .addOption(
      new Option(
        '--split <kind>',
        "split of the training corpus, seed 1, 80/10/10: by 'sentences' (default) or by 'blocks' of whole documents (CoNLL -DOCSTART- documents, GMB runs of 10 sentences)",
      ).choices(['sentences', 'blocks']),
    )
    .option('-o, --output <dir>', 'output directory (default: runs/ner, or runs/ner-best for --preset best)')
    .option('--steps <n>', 'total training steps', integerAtLeast(1))
    .option('--max-minutes <m>', 'stop training after this many minutes (0: no limit; each member of an ensemble)', nonNegativeNumber)
    .option('--batch-tokens <n>', 'token positions per batch', integerAtLeast(1))
    .option('--lr <rate>', 'peak learning rate', positiveNumber)
    .option('--warmup-steps <n>', 'learning-rate warm-up steps', integerAtLeast(0))
    .option('--seed <n>', 'seed of weights, data order and dropout', integerAtLeast(0))
    .option(
      '--ensemble <n>',
      'train n taggers, with seeds seed..seed+n-1, in <output>/member-1..n, and test and export their ensemble (1: one tagger)',
      integerAtLeast(1),
    )
    .option('--jobs <n>', 'ensemble members trained at the same time, a process each (up to one per core)', integerAtLeast(1))
    .option('--workers <n>', 'threads one run trains on (data-parallel: each batch cut over them, gradients summed)', integerAtLeast(1))
    .option('--eval-every <n>', 'steps between dev evaluations and checkpoints', integerAtLeast(1))
    .option('--dev-sentences <n>', 'dev sentences scored during training (0: all)', integerAtLeast(0))
    .option('--limit <n>', 'read at most this many corpus sentences (0: all)', integerAtLeast(0))
    .option('--min-word-count <n>', 'rarer training words become UNK', integerAtLeast(1))
    .option('--unk-rate <p>', 'word dropout rate, in [0, 1)', rate)
    .option('--average-decay <d>', 'moving average of the weights for dev, test and export, in [0, 1) (0: off)', rate)
    .option(
      '--word-vectors <file>',
      'pretrained word vectors (GloVe or word2vec text, fastText .vec, word2vec .bin, plain or .gz): the word embedding starts from them, dev/test words with a vector join the vocabulary; another dimension than --d-model is projected',
    )
    .option('--freeze-vectors', 'keep the word vectors fixed during training (a non-trainable embedding; the projection, if any, trains)')
    .option('--no-freeze-vectors', 'fine-tune the word vectors (the default)')
    .option('--lowercase', 'lowercase words in the vocabulary (the word-shape feature keeps the case)')
    .option('--no-lowercase', 'keep the case of words')
    .option(
      '--config <file>',
      "every setting of a run from one JSON file: a run's recipe.json (replays it), recipe settings by name (steps, learningRate, corpus, model: {...}), or model settings only; flags override it",
    )
    .addOption(
      new Option(
        '--encoder <type>',
        "context encoder: 'reformer' (default), 'transformer', 'bilstm' (stacked BiLSTMs) or 'cnn' (an ID-CNN, dilations 1, 2, 4); another than 'reformer' leaves out the preset's BiLSTM before the encoder unless --bilstm is given",
      ).choices([...ner.NER_ENCODERS]),
    )
    .addOption(new Option('--attention <type>', 'attention').choices(['full', 'chunked', 'lsh', 'local']))
    .option('--reversible', 'reversible residual blocks')
    .option('--no-reversible', 'ordinary residual blocks')
    .option('--char-features', 'character CNN features')
    .option('--no-char-features', 'no character features')
    .option('--word-shapes', 'word-shape features')
    .option('--no-word-shapes', 'no word-shape features')
    .option('--bilstm', 'a bidirectional LSTM (residual) between the embeddings and the encoder')
    .option('--no-bilstm', 'no BiLSTM')
    .option('--crf', 'CRF decoding')
    .option('--no-crf', 'per-token softmax')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']))
    .option('--no-progress', 'no live progress line');
  for (const [flag, , parse, description] of MODEL_FLAGS)
    train.addOption(new Option(flag, description).argParser(parse as (v: string) => unknown));
  train.action(async (opts: Record<string, unknown>) => {
    const fromPreset = presetOptions(opts['preset'] as string);
    const preset = typeof opts['config'] === 'string' ? await recipeFromConfigFile(opts['config'], fromPreset) : fromPreset;
    const trainFile = opts['train'] as string | undefined;
    const corpusFile = opts['corpus'] as string | undefined;
    if (trainFile !== undefined && corpusFile !== undefined && trainFile !== corpusFile) {
      throw new RangeError(`--train ${trainFile} and --corpus ${corpusFile}: --corpus is --train's older name, give one of them`);
    }
    const o: NerRecipeOptions = {
      ...preset,
      corpus: resolveCorpusPath(trainFile ?? corpusFile ?? preset.corpus, memberEntry),
      devCorpus: (opts['dev'] as string | undefined) ?? preset.devCorpus,
      testCorpus: (opts['test'] as string | undefined) ?? preset.testCorpus,
      tagColumn: (opts['tagColumn'] as number | undefined) ?? preset.tagColumn,
      split: (opts['split'] as ner.NerSplitKind | undefined) ?? preset.split,
      outputDir: (opts['output'] as string | undefined) ?? preset.outputDir,
      steps: (opts['steps'] as number | undefined) ?? preset.steps,
      maxMinutes: (opts['maxMinutes'] as number | undefined) ?? preset.maxMinutes,
      batchTokens: (opts['batchTokens'] as number | undefined) ?? preset.batchTokens,
      learningRate: (opts['lr'] as number | undefined) ?? preset.learningRate,
      warmupSteps: (opts['warmupSteps'] as number | undefined) ?? preset.warmupSteps,
      seed: (opts['seed'] as number | undefined) ?? preset.seed,
      ensemble: (opts['ensemble'] as number | undefined) ?? preset.ensemble,
      jobs: (opts['jobs'] as number | undefined) ?? preset.jobs,
      workers: (opts['workers'] as number | undefined) ?? preset.workers,
      evalEvery: (opts['evalEvery'] as number | undefined) ?? preset.evalEvery,
      devSentences: (opts['devSentences'] as number | undefined) ?? preset.devSentences,
      limit: (opts['limit'] as number | undefined) ?? preset.limit,
      minWordCount: (opts['minWordCount'] as number | undefined) ?? preset.minWordCount,
      unkRate: (opts['unkRate'] as number | undefined) ?? preset.unkRate,
      averageDecay: (opts['averageDecay'] as number | undefined) ?? preset.averageDecay,
      lowercase: (opts['lowercase'] as boolean | undefined) ?? preset.lowercase,
      wordVectors: (opts['wordVectors'] as string | undefined) ?? preset.wordVectors,
      freezeVectors: (opts['freezeVectors'] as boolean | undefined) ?? preset.freezeVectors,
      backend: (opts['backend'] as BackendName | undefined) ?? preset.backend,
      model: modelConfig(preset.model, opts),
    };
    validateRecipeOptions(o);
    const stop = installStopSignal(); // already installed by the entry point, before the slow start-up
    try {
      const hooks = {
        log: (line: string) => write(line + '\n'),
        progress: opts['progress'] !== false,
        stopSignal: stop,
        ...(memberEntry ? { memberEntry } : {}),
      };
      const result = o.ensemble > 1 ? await trainNerEnsemble(o, hooks) : await trainNer(o, hooks);
      if (!result.test) process.exitCode = 130;
    } finally {
      releaseStopSignal();
    }
  });

  program
    .command('eval')
    .description(
      "score a model (exported tagger or ensemble, or training output directory) on a split of the training run's corpus (its recipe.json's corpus and split settings) or on a file",
    )
    .requiredOption('-m, --model <dir>', 'model directory: an exported tagger or ensemble, or a training output directory')
    .option('--file <path>', 'score this GMB CSV or CoNLL file instead of a split')
    .addOption(
      new Option('--split <name>', 'part scored: train, dev or test, split as the training run split it')
        .choices(['train', 'dev', 'test'])
        .default('test'),
    )
    .option('--corpus <path>', "corpus the split is taken from (default: the training run's, else the shipped GMB corpus)")
    .option('--dev <path>', "the run's dev file (default: the training run's)")
    .option('--test <path>', "the run's test file (default: the training run's)")
    .addOption(
      new Option('--split-by <kind>', "split by 'sentences' or 'blocks' (default: the training run's, else sentences)").choices([
        'sentences',
        'blocks',
      ]),
    )
    .option(
      '--tag-column <n>',
      "CoNLL files: the 0-based column of the tag (default: the training run's, else the last)",
      integerAtLeast(0),
    )
    .option('--limit <n>', "read at most this many corpus sentences (0: all; default: the training run's)", integerAtLeast(0))
    .addOption(new Option('--mode <mode>', 'entity matching').choices(['conlleval', 'strict']).default('conlleval'))
    .option('--json', 'print the score as JSON')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .addOption(workersOption())
    .action(
      async (opts: {
        model: string;
        file?: string;
        split: 'train' | 'dev' | 'test';
        corpus?: string;
        dev?: string;
        test?: string;
        splitBy?: ner.NerSplitKind;
        tagColumn?: number;
        limit?: number;
        mode: 'conlleval' | 'strict';
        json?: boolean;
        backend: BackendName;
        workers: number;
      }) => {
        await useBackend(opts.backend);
        const tagger = await openTagger(opts.model);
        // The training run's corpus settings (its recipe.json), so that eval scores the split it was tested on.
        const run = await runCorpusSettings(opts.model);
        const settings = {
          corpus: resolveCorpusPath(opts.corpus ?? run?.corpus ?? DEFAULT_CORPUS, memberEntry),
          devCorpus: opts.dev ?? run?.devCorpus ?? '',
          testCorpus: opts.test ?? run?.testCorpus ?? '',
          tagColumn: opts.tagColumn ?? run?.tagColumn ?? -1,
          split: opts.splitBy ?? run?.split ?? 'sentences',
          limit: opts.limit ?? run?.limit ?? 0,
        };
        const sentences = opts.file
          ? await ner.readNerCorpus(opts.file, { conll: { tagColumn: settings.tagColumn } })
          : (await loadRecipeSplits(settings))[opts.split];
        const score = await withTaggerPool(tagger, opts.workers, (pool) => pool.evaluate(sentences, { mode: opts.mode }));
        if (!score) return;
        const what = opts.file ?? `${opts.split} split of ${settings.corpus} (${describeRecipeSplit(settings)})`;
        write(
          opts.json
            ? JSON.stringify({ data: what, sentences: sentences.length, score, conlleval: ner.toConllevalJson(score) }) + '\n'
            : ner.formatNerReport(score, `${what}: ${sentences.length} sentences`),
        );
      },
    );

  program
    .command('score')
    .description(
      'score a file of predictions as conlleval does (token ... gold predicted per line, a blank line between sentences), then the SemEval-2013 schemes',
    )
    .argument('<file>', 'predictions file')
    .option('-d, --delimiter <char>', 'field delimiter (default: spaces and tabs)')
    .addOption(new Option('--scheme <scheme>', 'tag scheme of the file').choices(['IOB1', 'IOB2', 'IOBES']).default('IOB2'))
    .addOption(
      new Option('--mode <mode>', "entity matching ('conlleval': as the script, -DOCSTART- lines counted as tokens)")
        .choices(['conlleval', 'strict'])
        .default('conlleval'),
    )
    .option('--decimals <n>', 'decimals of the percentages (conlleval prints 2)', integerAtLeast(0), 2)
    .option('--conlleval-only', "print conlleval's table only")
    .option('--json', 'print the score as JSON')
    .action(async (file: string, opts: ScoreCommandOptions) => {
      write(await scoreCommand(file, opts));
    });

  program
    .command('predict')
    .description('tag raw text from the arguments, a file (--file) or stdin; prints one JSON line per sentence')
    .argument('[text...]', 'text to tag')
    .requiredOption('-m, --model <dir>', 'model directory: an exported tagger or ensemble, or a training output directory')
    .option('--file <path>', 'read the text from this file')
    .addOption(
      new Option('--offsets <unit>', "unit of start and end: utf16 (JavaScript string indices) or code-points (Python's text[start:end])")
        .choices(['utf16', 'code-points'])
        .default('utf16'),
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .addOption(workersOption())
    .action(
      async (
        words: string[],
        opts: { model: string; file?: string; offsets: 'utf16' | 'code-points'; backend: BackendName; workers: number },
      ) => {
        let text: string;
        if (opts.file) {
          try {
            text = await ner.readText(opts.file);
          } catch (error) {
            if (!(error instanceof ner.CorpusError)) throw error;
            const problem = /no such file/.test(error.problem) ? 'no such file' : error.problem;
            throw new Error(`--file ${opts.file}: ${error.line !== undefined ? `line ${error.line}: ` : ''}${problem}`, { cause: error });
          }
        } else if (words.length > 0) {
          text = words.join(' ');
        } else {
          text = await readStdin();
        }
        await useBackend(opts.backend);
        const tagger = await openTagger(opts.model);
        const offsets = opts.offsets === 'code-points' ? 'codePoints' : 'utf16';
        const sentences = await withTaggerPool(tagger, opts.workers, (pool) => pool.tag(text, { offsets }));
        if (!sentences) return;
        let out = '';
        sentences.forEach((s, i) => {
          const entities = s.entities.map((e) => ({
            text: e.text,
            type: e.type,
            start: e.start,
            end: e.end,
            confidence: Number(e.confidence.toFixed(4)),
          }));
          out += JSON.stringify({ sentence: i, text: s.text, start: s.start, end: s.end, entities }) + '\n';
        });
        write(out);
      },
    );

  program
    .command('export')
    .description(
      'write a self-contained model directory (weights in tfjs format, vocabularies, configuration) from a training run (an ensemble from an ensemble run)',
    )
    .requiredOption('--from <dir>', "training output directory (a run, or an ensemble run: its members' checkpoints)")
    .requiredOption('--to <dir>', 'directory to write the model to')
    .addOption(new Option('--checkpoint <which>', 'which checkpoint').choices(['best', 'latest']).default('best'))
    .action(async (opts: { from: string; to: string; checkpoint: 'best' | 'latest' }) => {
      await useBackend('wasm');
      const run = await taggerFromRun(opts.from, opts.checkpoint);
      if (!run) throw new Error(`${opts.from}: not a training output directory (no recipe.json or ensemble.json)`);
      const { tagger, checkpoints, best } = run;
      if (tagger.isEnsemble) {
        const members = checkpoints.map((c, i) => ({ checkpoint: path.relative(opts.from, c), devF1: best[i]?.f1, step: best[i]?.step }));
        await ner.exportTagger(tagger, opts.to, { members });
        write(
          `Exported the ensemble of ${members.length} members (${members.map((m) => m.checkpoint).join(', ')}) to ${opts.to} (${ner.TAGGER_FILES.manifest}, member-1/, ...)\n`,
        );
      } else {
        await ner.exportTagger(tagger, opts.to, { checkpoint: path.basename(checkpoints[0]!), devF1: best[0]?.f1, step: best[0]?.step });
        write(`Exported ${checkpoints[0]} to ${opts.to} (${Object.values(ner.TAGGER_FILES).join(', ')})\n`);
      }
    });
  return program;
}

/**
 * Ends the process cleanly when stdout fails: a closed pipe (`predict ... | head -c 100`: EPIPE) ends it quietly
 * with exit code 0, as `head` expects of a writer; any other write error (a full disk: ENOSPC) with one line on
 * stderr and exit code 1, never a stack trace.
 */
export function guardStdout(stream: NodeJS.WriteStream = process.stdout): void {
  if ((stream as { traxGuarded?: boolean }).traxGuarded) return;
  (stream as { traxGuarded?: boolean }).traxGuarded = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    const why = error.code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : error.message;
    try {
      process.stderr.write(`trax-ner: cannot write the output: ${why}\n`);
    } finally {
      process.exit(1);
    }
  });
}

/**
 * Runs the program on `argv` (user arguments only); errors are printed, not thrown, and set the exit code.
 * `memberEntry`: the module ensemble members' processes are forked from (`--jobs`; see `TrainNerHooks`).
 */
export async function runNerCli(argv: readonly string[], write?: (text: string) => void, memberEntry?: URL): Promise<number> {
  if (write === undefined) guardStdout();
  const program = nerProgram(write, memberEntry);
  const commands = program.commands.map((c) => c.name());
  const first = argv[0];
  // `train` is the default command, so commander would read an unknown command as train's argument.
  const command = program.commands.find((c) => c.name() === first) ?? program.commands.find((c) => c.name() === 'train')!;
  const usage = (): string => `Usage: trax-ner ${command.name()} ${command.usage()} (trax-ner ${command.name()} --help for the options)\n`;
  if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
    process.stderr.write(
      `trax-ner: unknown command '${first}' (commands: ${commands.join(', ')})\nUsage: trax-ner [command] [options] (trax-ner --help for the commands)\n`,
    );
    return USAGE_ERROR;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Help and version end with 0; every other commander error is a usage error (commander printed it).
      if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
        return (error as { exitCode?: number }).exitCode ?? 0;
      process.stderr.write(usage());
      return USAGE_ERROR;
    }
    if (error instanceof RangeError || error instanceof RecipeConfigError) {
      process.stderr.write(`trax-ner: ${error.message}\n${usage()}`);
      return USAGE_ERROR;
    }
    process.stderr.write(`trax-ner: ${(error as Error).message}\n`);
    return 1;
  }
}
