/**
 * The language-model recipe's command line (commander): `train` (the default) and `generate <prompt>`.
 */
import { Command, Option } from 'commander';
import type { BackendName } from '../../src/index.js';
import { installStopSignal, releaseStopSignal } from '../ner/stop_signal.js';
import { generateFromRun } from './generate.js';
import { DEFAULT_LM_RECIPE, type LmAttention, type LmRecipeOptions, validateLmOptions } from './options.js';
import { trainLm } from './train.js';
import { integerAtLeast, numberInRange, positiveNumber, USAGE_ERROR } from '../cli_numbers.js';

export { USAGE_ERROR };

type Flag = [flag: string, description: string, parse: (v: string) => number, set: (o: LmRecipeOptions, v: number) => void];

const D = DEFAULT_LM_RECIPE;
const NUMBER_FLAGS: Flag[] = [
  ['--steps <n>', `total training steps (default ${D.steps})`, integerAtLeast(1), (o, v) => (o.steps = v)],
  [
    '--max-minutes <m>',
    `stop training after this many minutes, 0: no limit (default ${D.maxMinutes})`,
    numberInRange(0),
    (o, v) => (o.maxMinutes = v),
  ],
  ['--seq-len <n>', `characters per training window (default ${D.seqLen})`, integerAtLeast(2), (o, v) => (o.seqLen = v)],
  ['--batch-size <n>', `windows per batch (default ${D.batchSize})`, integerAtLeast(1), (o, v) => (o.batchSize = v)],
  ['--lr <rate>', `peak learning rate (default ${D.learningRate})`, positiveNumber, (o, v) => (o.learningRate = v)],
  ['--warmup-steps <n>', `learning-rate warm-up steps (default ${D.warmupSteps})`, integerAtLeast(0), (o, v) => (o.warmupSteps = v)],
  [
    '--eval-every <n>',
    `steps between evaluations, samples and checkpoints (default ${D.evalEvery})`,
    integerAtLeast(1),
    (o, v) => (o.evalEvery = v),
  ],
  ['--eval-batches <n>', `held-out batches per evaluation (default ${D.evalBatches})`, integerAtLeast(1), (o, v) => (o.evalBatches = v)],
  [
    '--final-eval-chars <n>',
    `held-out characters scored after training, 0: all (default ${D.finalEvalChars})`,
    integerAtLeast(0),
    (o, v) => (o.finalEvalChars = v),
  ],
  [
    '--sample-length <n>',
    `characters of the sample at each evaluation, 0: none (default ${D.sampleLength})`,
    integerAtLeast(0),
    (o, v) => (o.sampleLength = v),
  ],
  ['--limit <n>', 'read at most this many corpus sentences, 0: all (default 0)', integerAtLeast(0), (o, v) => (o.limit = v)],
  ['--seed <n>', `seed of weights, data order, dropout and samples (default ${D.seed})`, integerAtLeast(0), (o, v) => (o.seed = v)],
  ['--log-every <n>', `steps between progress lines (default ${D.logEvery})`, integerAtLeast(1), (o, v) => (o.logEvery = v)],
  ['--layers <n>', `decoder blocks (default ${D.model.nLayers})`, integerAtLeast(1), (o, v) => (o.model.nLayers = v)],
  ['--d-model <n>', `model width (default ${D.model.dModel})`, integerAtLeast(1), (o, v) => (o.model.dModel = v)],
  ['--d-ff <n>', `feed-forward width (default ${D.model.dFf})`, integerAtLeast(1), (o, v) => (o.model.dFf = v)],
  ['--heads <n>', `attention heads (default ${D.model.nHeads})`, integerAtLeast(1), (o, v) => (o.model.nHeads = v)],
  [
    '--chunk-len <n>',
    `chunk length of lsh and chunked attention (default ${D.model.chunkLen})`,
    integerAtLeast(1),
    (o, v) => (o.model.chunkLen = v),
  ],
  ['--dropout <rate>', `dropout rate, in [0, 1) (default ${D.model.dropout})`, numberInRange(0, 1), (o, v) => (o.model.dropout = v)],
];

/** The program; `write` receives stdout text (tests capture it). */
export function lmProgram(write: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const program = new Command('trax-lm')
    .description('A character-level ReformerLM on the GMB text: train it, then generate text from a prompt.')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ writeOut: write, writeErr: (t) => process.stderr.write(t) });

  const train = program
    .command('train', { isDefault: true })
    .description('train the language model (resumes from --output when it holds a checkpoint)')
    .option('--corpus <path>', `GMB CSV (default ${D.corpus})`)
    .option('-o, --output <dir>', `output directory (default ${D.outputDir})`)
    .option('--prompt <text>', `prompt of the samples printed at evaluations (default '${D.samplePrompt}')`)
    .addOption(new Option('--attention <type>', `attention (default ${D.model.attention})`).choices(['full', 'lsh', 'chunked']))
    .addOption(new Option('--backend <name>', `tfjs backend (default ${D.backend})`).choices(['wasm', 'cpu']));
  for (const [flag, description, parse] of NUMBER_FLAGS) train.addOption(new Option(flag, description).argParser(parse));
  train.action(async (opts: Record<string, unknown>) => {
    const o: LmRecipeOptions = { ...D, model: { ...D.model } };
    if (typeof opts['corpus'] === 'string') o.corpus = opts['corpus'];
    if (typeof opts['output'] === 'string') o.outputDir = opts['output'];
    if (typeof opts['prompt'] === 'string') o.samplePrompt = opts['prompt'];
    if (opts['attention'] !== undefined) o.model.attention = opts['attention'] as LmAttention;
    if (opts['backend'] !== undefined) o.backend = opts['backend'] as BackendName;
    for (const [flag, , , set] of NUMBER_FLAGS) {
      const value = opts[new Option(flag).attributeName()];
      if (typeof value === 'number') set(o, value);
    }
    validateLmOptions(o);
    const stop = installStopSignal();
    try {
      const result = await trainLm(o, { log: (line) => write(line + '\n'), stopSignal: stop });
      if (result.heldOutBitsPerChar === undefined) process.exitCode = 130;
    } finally {
      releaseStopSignal();
    }
  });

  program
    .command('generate')
    .description('generate text from a prompt with the latest checkpoint of a training run')
    .argument('[prompt]', 'the text to continue', '')
    .option('-d, --dir <dir>', 'training output directory', D.outputDir)
    .option('--length <n>', 'characters to generate', integerAtLeast(1), 300)
    .option('--temperature <t>', '0: the most probable character each time; higher: more random', numberInRange(0), 0.8)
    .option('--top-k <k>', 'sample among the k most probable characters only', integerAtLeast(1))
    .option('--seed <n>', 'seed of the sampling', integerAtLeast(0), 0)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .action(
      async (
        prompt: string,
        opts: { dir: string; length: number; temperature: number; topK?: number; seed: number; backend: BackendName },
      ) => {
        const text = await generateFromRun(prompt, {
          dir: opts.dir,
          backend: opts.backend,
          length: opts.length,
          temperature: opts.temperature,
          seed: opts.seed,
          ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
        });
        write(text + '\n');
      },
    );
  return program;
}

/** Runs the program on `argv` (user arguments only); errors are printed as one line, not thrown, and set the exit code. */
export async function runLmCli(argv: readonly string[], write?: (text: string) => void): Promise<number> {
  const program = lmProgram(write);
  const first = argv[0];
  const commands = program.commands.map((c) => c.name());
  if (first !== undefined && !first.startsWith('-') && !commands.includes(first)) {
    process.stderr.write(`trax-lm: unknown command '${first}' (commands: ${commands.join(', ')})\n`);
    return USAGE_ERROR;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander printed its one-line message; help and version end with 0, every other error is a usage error.
      if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
        return (error as { exitCode?: number }).exitCode ?? 0;
      return USAGE_ERROR;
    }
    process.stderr.write(`trax-lm: ${(error as Error).message}\n`);
    return error instanceof RangeError ? USAGE_ERROR : 1;
  }
}
