/**
 * The language-model recipe: `node scripts/run.mjs recipes/lm.ts [train] [options]` (`npm run lm` trains with the
 * defaults) and `npm run lm -- generate "The president"`. `--help` on each command.
 */
import { runLmCli } from './lm/cli.js';
import { installStopSignal } from './ner/stop_signal.js';

installStopSignal(); // Ctrl-C from here on stops a training run cleanly, with a checkpoint
process.exitCode = await runLmCli(process.argv.slice(2));
