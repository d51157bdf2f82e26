/**
 * The NER recipe: `node scripts/run.mjs recipes/ner.ts <command> [options]` (`npm run ner` trains with the
 * defaults). Commands: train, eval, predict, export; `--help` on each. Started as an ensemble member's worker thread
 * (`train --ensemble n --jobs m`), it trains that member.
 */
import { runNerCli } from './ner/cli.js';
import { isMemberWorker, serveMemberWorker } from './ner/member_worker.js';

if (isMemberWorker()) await serveMemberWorker();
else process.exitCode = await runNerCli(process.argv.slice(2), undefined, new URL(import.meta.url));
