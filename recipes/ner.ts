/**
 * The NER recipe: `node scripts/run.mjs recipes/ner.ts <command> [options]` (`npm run ner` trains with the
 * defaults). Commands: train, eval, predict, export; `--help` on each. Started as an ensemble member's process
 * (`train --ensemble n --jobs m`), it trains that member.
 */
import { runNerCli } from './ner/cli.js';
import { isMemberProcess, serveMemberProcess } from './ner/member_process.js';
import { installStopSignal } from './ner/stop_signal.js';

// Ctrl-C from here on stops the run cleanly (see stop_signal.ts). A bundle evaluates its imports (tfjs) before
// this line; a launcher that imports this module dynamically catches Ctrl-C during that too (EARLY_STOP_KEY).
if (!isMemberProcess()) installStopSignal();
if (isMemberProcess()) await serveMemberProcess();
else process.exitCode = await runNerCli(process.argv.slice(2), undefined, new URL(import.meta.url));
