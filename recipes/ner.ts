/**
 * The NER recipe: `node scripts/run.mjs recipes/ner.ts <command> [options]` (`npm run ner` trains with the
 * defaults). Commands: train, eval, predict, export; `--help` on each.
 */
import { runNerCli } from './ner/cli.js';

process.exitCode = await runNerCli(process.argv.slice(2));
