/**
 * Tests that run Python with PyTorch (Debian's `python3-torch`). The interpreter is $TRAX_TS_PYTHON when set, else the
 * first of `python3` and `/usr/bin/python3` that imports torch and numpy. Without one the tests are skipped with a message,
 * unless CI is set: in CI they must run (.ci/run installs python3-torch), so a missing torch is a failure there.
 */
import { spawnSync } from 'node:child_process';

const inCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/** The install line CI runs. */
export const TORCH_INSTALL = 'apt-get install -y python3-torch';

let found: string | null | undefined;

/** A Python interpreter that imports torch and numpy, or null. */
export function torchPython(): string | null {
  if (found !== undefined) return found;
  const candidates = process.env.TRAX_TS_PYTHON ? [process.env.TRAX_TS_PYTHON] : ['python3', '/usr/bin/python3'];
  found = candidates.find((python) => spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0) ?? null;
  return found;
}

/** `describe`, or `describe.skip` (with a message saying why) when no Python has torch, outside CI. */
export function describeWithTorch(title: string, body: (python: () => string) => void): void {
  const python = (): string => {
    const p = torchPython();
    if (!p)
      throw new Error(
        `no python3 with torch and numpy (tried $TRAX_TS_PYTHON, or python3 and /usr/bin/python3): CI must install it (\`${TORCH_INSTALL}\` in .ci/run)`,
      );
    return p;
  };
  if (torchPython() || inCI) {
    describe(title, () => body(python));
    return;
  }
  console.warn(
    `${title}: SKIPPED: no python3 with torch and numpy (install it with \`${TORCH_INSTALL}\`, or set TRAX_TS_PYTHON). With CI set these tests fail instead of skipping.`,
  );
  describe.skip(title, () => body(python));
}
