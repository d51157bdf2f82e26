/**
 * The tagger of a training output directory: a run's best (or latest) checkpoint, or for an ensemble's output
 * directory, the ensemble of its members' checkpoints.
 */
import * as path from 'node:path';
import { latestCheckpoint, ner } from '../../src/index.js';
import { taggerFromCheckpoint } from './checkpoint_tagger.js';
import { BEST_CHECKPOINT, type BestRecord, readBest } from './dev_f1.js';
import { readEnsembleRun, readRunState } from './run_state.js';

/** A run's tagger and where it came from. */
export interface RunTagger {
  tagger: ner.NerTagger;
  /** The checkpoint directory (for an ensemble, each member's). */
  checkpoints: string[];
  /** The run's best dev record (for an ensemble, each member's). */
  best: Array<BestRecord | undefined>;
}

/**
 * The tagger of the training output directory `dir`: its best dev checkpoint (`which` 'best', when it has one),
 * else its latest; for an ensemble's output directory, the ensemble of its members' (each chosen so). Undefined
 * when `dir` is neither; refused when a run has no checkpoint yet.
 */
export async function taggerFromRun(dir: string, which: 'best' | 'latest' = 'best'): Promise<RunTagger | undefined> {
  const ensemble = await readEnsembleRun(dir);
  if (ensemble) {
    const members: RunTagger[] = [];
    for (const name of ensemble.members) {
      const member = await taggerFromRun(path.join(dir, name), which);
      if (!member)
        throw new Error(
          `${dir}: the ensemble's member ${name} is not a training output directory (no recipe.json in ${path.join(dir, name)})`,
        );
      if (member.tagger.isEnsemble) throw new Error(`${dir}: the ensemble's member ${name} is itself an ensemble`);
      members.push(member);
    }
    return {
      tagger: new ner.NerTagger({ members: members.map((m) => m.tagger.members[0]!), names: ensemble.members }),
      checkpoints: members.flatMap((m) => m.checkpoints),
      best: members.flatMap((m) => m.best),
    };
  }
  const state = await readRunState(dir);
  if (!state) return undefined;
  const best = await readBest(dir);
  const checkpoint = which === 'best' && best ? path.join(dir, BEST_CHECKPOINT) : await latestCheckpoint(dir);
  if (!checkpoint) throw new Error(`${dir}: the run has no checkpoint yet (train it for at least one step)`);
  return { tagger: await taggerFromCheckpoint(checkpoint, state.settings.model, state.vocabs), checkpoints: [checkpoint], best: [best] };
}
