/**
 * The NER recipe's ensembles: n taggers trained one after another with seeds `seed .. seed + n - 1`, each an
 * ordinary run in `<output>/member-<k>`, then the ensemble of their best checkpoints (scores averaged, see
 * `NerTagger`) tested and exported to `<output>/model`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { latestCheckpoint, ner, readCheckpointInfo, useBackend, writeFileAtomic } from '../../src/index.js';
import { loadRecipeSplits } from './recipe_splits.js';
import { withSavedVectorWidth } from './recipe_vectors.js';
import { type NerRecipeOptions, validateRecipeOptions } from './options.js';
import { fixedSettings, readRunState, refuseOtherSettings, RUN_FILE, writeEnsembleRun } from './run_state.js';
import { taggerFromRun } from './run_tagger.js';
import { type MemberInProcess, trainMemberInProcess } from './member_process.js';
import { MembersProgress } from './members_progress.js';
import { type NerMemberResult, type NerTrainResult, trainNer, type TrainNerHooks } from './train.js';

/** The run directory name of member `k` (from 1). */
export function memberDirName(k: number): string {
  return `member-${k}`;
}

/** The recipe's options for member `k` (from 1) of the ensemble `o`: a single run with its own seed and directory. */
export function memberOptions(o: NerRecipeOptions, k: number): NerRecipeOptions {
  return { ...o, ensemble: 1, seed: o.seed + k - 1, outputDir: path.join(o.outputDir, memberDirName(k)) };
}

const exists = async (p: string): Promise<boolean> =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/**
 * A member run that needs no more work: its settings are `o`'s, its training reached `o.steps`, and it has its test
 * report and exported model. Returns its test report then; undefined when it must be trained, resumed or tested.
 */
async function finishedMember(
  o: NerRecipeOptions,
): Promise<{ step?: number; devF1?: number; score: { overall: { f1: number } } } | undefined> {
  const saved = await readRunState(o.outputDir);
  if (!saved) return undefined;
  refuseOtherSettings(o.outputDir, saved.settings, fixedSettings(withSavedVectorWidth(o, saved)));
  const latest = await latestCheckpoint(o.outputDir);
  if (!latest) return undefined;
  const { step } = await readCheckpointInfo(latest);
  if (step < o.steps || !(await exists(path.join(o.outputDir, 'model', ner.TAGGER_FILES.manifest)))) return undefined;
  try {
    return JSON.parse(await fs.readFile(path.join(o.outputDir, 'test_report.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs `start(i)` for each of `indices`, at most `jobs` at a time, calling `ended(i)` as each ends; asks the running
 * ones to stop when `stopSignal` is raised or one fails (then throws its error once all have ended). Returns the
 * results of those that ended.
 */
async function trainInParallel(
  indices: readonly number[],
  jobs: number,
  start: (i: number) => MemberInProcess,
  stopSignal: TrainNerHooks['stopSignal'],
  ended: (i: number) => void,
): Promise<Map<number, NerTrainResult>> {
  const queue = [...indices];
  const running = new Set<MemberInProcess>();
  const results = new Map<number, NerTrainResult>();
  let stopping = false;
  let failure: unknown;
  const stopAll = (): void => {
    stopping = true;
    for (const member of running) member.stop();
  };
  const watch = setInterval(() => {
    if (stopSignal?.requested && !stopping) stopAll();
  }, 100);
  const lane = async (): Promise<void> => {
    while (queue.length > 0 && !stopping) {
      const i = queue.shift()!;
      const member = start(i);
      running.add(member);
      try {
        const result = await member.result;
        results.set(i, result);
        if (!result.test) stopAll();
      } catch (error) {
        failure ??= error;
        stopAll();
      } finally {
        running.delete(member);
        ended(i);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, lane));
  } finally {
    clearInterval(watch);
  }
  if (failure !== undefined) throw failure;
  return results;
}

/**
 * Trains (or resumes) the ensemble of `o.ensemble` taggers: member k exactly as `trainNer` would with seed
 * `o.seed + k - 1` in `<o.outputDir>/member-<k>` (resumable, with its own best checkpoint, dev F1 log, test report
 * and exported model; `maxMinutes` applies to each), skipping members that are finished, `o.jobs` at a time (with
 * more than one, each in its own process forked from `hooks.memberEntry`, see `trainMemberInProcess`); then tests the ensemble of
 * the members' best checkpoints, writes `test_report.txt` / `test_report.json` and exports it to
 * `<o.outputDir>/model`. A member directory made by a plain run with the same settings and the member's seed is
 * used as it is. Stops (test undefined) when a member is interrupted.
 */
export async function trainNerEnsemble(o: NerRecipeOptions, hooks: TrainNerHooks = {}): Promise<NerTrainResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const n = o.ensemble;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ensemble must be an integer >= 1, got ${n}`);
  validateRecipeOptions(o);
  const outputDir = o.outputDir;
  if (await exists(path.join(outputDir, RUN_FILE))) {
    throw new Error(
      `${outputDir} holds a single run (${RUN_FILE}); an ensemble's members go in ${memberDirName(1)}, ${memberDirName(2)}, ... there: use another --output ` +
        `directory (a finished run with the same settings and seed ${o.seed} can be moved to <output>/${memberDirName(1)} to be the first member)`,
    );
  }
  const members = Array.from({ length: n }, (_, i) => memberOptions(o, i + 1));
  await writeEnsembleRun(outputDir, { members: members.map((_, i) => memberDirName(i + 1)), seeds: members.map((m) => m.seed) });

  const results: NerMemberResult[] = new Array(n);
  const toTrain: number[] = [];
  for (const [i, member] of members.entries()) {
    const k = i + 1;
    const finished = await finishedMember(member);
    if (finished) {
      log(
        `Ensemble member ${k} of ${n} (seed ${member.seed}, ${member.outputDir}): finished, skipped (test entity F1 ${finished.score.overall.f1.toFixed(4)})`,
      );
      results[i] = {
        dir: member.outputDir,
        seed: member.seed,
        bestStep: finished.step,
        bestDevF1: finished.devF1,
        testF1: finished.score.overall.f1,
        skipped: true,
      };
    } else {
      toTrain.push(i);
    }
  }
  const memberResult = (i: number, result: NerTrainResult): NerMemberResult => ({
    dir: members[i]!.outputDir,
    seed: members[i]!.seed,
    bestStep: result.bestStep,
    bestDevF1: result.bestDevF1,
    testF1: result.test?.overall.f1,
    skipped: false,
  });
  const interrupted = (steps: number): NerTrainResult => {
    log(`Stopped before the ensemble's members finished; run the same command again to resume.`);
    return {
      test: undefined,
      steps,
      bestStep: undefined,
      bestDevF1: undefined,
      modelDir: undefined,
      seconds: (performance.now() - started) / 1000,
      members: results.filter(Boolean),
    };
  };
  const jobs = Math.min(o.jobs, toTrain.length);
  if (jobs > 1) {
    if (!hooks.memberEntry)
      throw new Error(
        `jobs ${o.jobs}: training members in parallel needs the recipe's entry point to start member processes from (hooks.memberEntry; the CLI passes recipes/ner.ts)`,
      );
    log(`Training ${toTrain.length} members, ${jobs} at a time (a process each) [${elapsed()}]`);
    const progress = MembersProgress.create(hooks.progress ?? true);
    const say = (line: string): void => progress.log(line, log);
    let trained: Map<number, NerTrainResult>;
    try {
      trained = await trainInParallel(
        toTrain,
        jobs,
        (i) => {
          say(
            `Ensemble member ${i + 1} of ${n}: training with seed ${members[i]!.seed} in ${members[i]!.outputDir} (own process) [${elapsed()}]`,
          );
          return trainMemberInProcess(
            hooks.memberEntry!,
            members[i]!,
            (line) => say(`[member ${i + 1}] ${line}`),
            (step, loss) => progress.update(i + 1, step, o.steps, loss),
          );
        },
        hooks.stopSignal,
        (i) => progress.done(i + 1),
      );
    } finally {
      progress.stop();
    }
    for (const [i, result] of trained) results[i] = memberResult(i, result);
    // Interrupted: the least advanced member's step (0 for one that never started).
    if (toTrain.some((i) => !trained.get(i)?.test)) return interrupted(Math.min(...toTrain.map((i) => trained.get(i)?.steps ?? 0)));
  } else {
    for (const i of toTrain) {
      const member = members[i]!;
      log(`Ensemble member ${i + 1} of ${n}: training with seed ${member.seed} in ${member.outputDir} [${elapsed()}]`);
      const result = await trainNer(member, hooks);
      if (!result.test) return interrupted(result.steps);
      results[i] = memberResult(i, result);
    }
  }

  await useBackend(o.backend);
  const { dev, test } = await loadRecipeSplits(o);
  const taggers: ner.NerTaggerParts[] = [];
  for (const member of members) taggers.push((await taggerFromRun(member.outputDir))!.tagger.members[0]!);
  const ensemble = new ner.NerTagger({ members: taggers, names: members.map((m) => m.outputDir) });
  const devForF1 = o.devSentences > 0 ? dev.slice(0, o.devSentences) : dev;
  const devF1 = ensemble.evaluate(devForF1).overall.f1;
  log(
    `Ensemble of ${n}: dev entity F1 ${devF1.toFixed(4)} on ${devForF1.length} dev sentences (members' best: ${results.map((r) => r.bestDevF1?.toFixed(4) ?? '?').join(', ')}) [${elapsed()}]`,
  );
  const testStarted = performance.now();
  const score = ensemble.evaluate(test);
  const title =
    `Test split (${test.length} sentences), ensemble of ${n} members (seeds ${o.seed}..${o.seed + n - 1}; members' test entity F1 ` +
    `${results.map((r) => r.testF1?.toFixed(4) ?? '?').join(', ')}), ${((performance.now() - testStarted) / 1000).toFixed(1)} s`;
  const report = ner.formatNerReport(score, title);
  log(report.trimEnd());
  const memberFacts = results.map((r) => ({
    dir: path.relative(outputDir, r.dir),
    seed: r.seed,
    step: r.bestStep,
    devF1: r.bestDevF1,
    testF1: r.testF1,
  }));
  await writeFileAtomic(path.join(outputDir, 'test_report.txt'), report);
  await writeFileAtomic(
    path.join(outputDir, 'test_report.json'),
    JSON.stringify(
      {
        split: 'test',
        sentences: test.length,
        devF1,
        devSentences: devForF1.length,
        score,
        conlleval: ner.toConllevalJson(score),
        members: memberFacts,
      },
      null,
      1,
    ) + '\n',
  );
  const modelDir = path.join(outputDir, 'model');
  await ner.exportTagger(ensemble, modelDir, { corpus: path.basename(o.corpus), devF1, testF1: score.overall.f1, members: memberFacts });
  log(
    `Exported the ensemble to ${modelDir}; reports in ${path.join(outputDir, 'test_report.txt')} and test_report.json [total ${elapsed()}]`,
  );
  return {
    test: score,
    steps: o.steps,
    bestStep: undefined,
    bestDevF1: devF1,
    modelDir,
    seconds: (performance.now() - started) / 1000,
    members: results,
  };
}
