/**
 * Whether tensors by path (from a checkpoint or a weights file) fit what a model expects: the one check that every
 * loader of weights by path shares (browser-safe).
 */

function describeTensor(t: { readonly shape: readonly number[]; readonly dtype: string }): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

/**
 * The mismatches between `found` and `expected`, path by path, one line each naming the path and both dtypes and
 * shapes: an expected path missing, a different shape or dtype, a path the model does not have. `what` names the
 * kind of tensor (`weight`, `state`), `source` where they come from (`the checkpoint`, `the file`). Empty when
 * they fit.
 * @public
 */
export function weightFitProblems(
  what: string,
  found: ReadonlyMap<string, { readonly shape: readonly number[]; readonly dtype: string }>,
  expected: ReadonlyMap<string, { readonly shape: readonly number[]; readonly dtype: string }>,
  source = 'the checkpoint',
): string[] {
  const problems: string[] = [];
  for (const [p, want] of expected) {
    const got = found.get(p);
    if (!got) problems.push(`${what} ${p}: missing from ${source} (the model has ${describeTensor(want)})`);
    else if (got.shape.join(',') !== want.shape.join(',') || got.dtype !== want.dtype) {
      problems.push(`${what} ${p}: ${source} has ${describeTensor(got)}, the model has ${describeTensor(want)}`);
    }
  }
  for (const [p, got] of found) {
    if (!expected.has(p)) problems.push(`${what} ${p}: in ${source} (${describeTensor(got)}) but not in the model`);
  }
  return problems;
}
