/**
 * The code of an earlier commit, to run a benchmark row with it in the same run as today's code (absolute
 * figures move between runs and machines; ratios within one run do not): `git archive <ref>` unpacked under
 * build/bench/baseline-<commit>/, with this checkout's node_modules linked in. Rows run there as processes with
 * that folder as their working directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';

/** A commit's files, ready to run. */
export interface BaselineCheckout {
  /** The commit's short hash. */
  commit: string;
  /** The folder holding its files. */
  folder: string;
}

/** Unpacks `ref` (a commit, tag or branch of this repository) under `parent`, once per commit. */
export function baselineCheckout(ref: string, parent: string): BaselineCheckout {
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`--baseline ${ref}: not a commit of this repository`);
  }
  const folder = path.join(parent, `baseline-${commit}`);
  if (!existsSync(folder)) {
    const partial = `${folder}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', commit], { maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', partial], { input: archive });
    symlinkSync(path.resolve('node_modules'), path.join(partial, 'node_modules'), 'dir');
    renameSync(partial, folder);
  }
  return { commit, folder };
}
