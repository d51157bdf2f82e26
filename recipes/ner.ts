/**
 * The NER recipe: `node scripts/run.mjs recipes/ner.ts <command> [options]` (`npm run ner` trains with the
 * defaults). Commands: train, eval, predict, export; `--help` on each. Started as an ensemble member's process
 * (`train --ensemble n --jobs m`), it trains that member.
 */
import { runNerCli } from './ner/cli.js';
import { isMemberProcess, serveMemberProcess } from './ner/member_process.js';

if (isMemberProcess()) await serveMemberProcess();
else process.exitCode = await runNerCli(process.argv.slice(2), undefined, new URL(import.meta.url));
