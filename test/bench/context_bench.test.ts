/**
 * `npm run bench:context -- --quick` end to end on tiny sizes: every row of the table is measured in its own
 * process, ratios are against the baseline row of the same length, and a row that does not fit is printed as
 * "out of memory" without ending the run. Nothing here depends on speed.
 */
import { spawnSync } from 'node:child_process';
import { HANG_GUARD_MS } from '../helpers/hang_guard.js';

jest.setTimeout(HANG_GUARD_MS);

interface BenchRow {
  contextTokens: number;
  attention: string;
  reversible: boolean;
  batchShape: [number, number];
  result: {
    window_tokens_per_s?: number;
    target_tokens_per_s?: number;
    peak_tensor_bytes?: number;
    baseline_tensor_bytes?: number;
    out_of_memory?: string;
  };
  failed?: string;
}

function bench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const p = spawnSync(process.execPath, ['scripts/run.mjs', 'bench/context.ts', '--quick', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { status: p.status, stdout: p.stdout, stderr: p.stderr };
}

test('--quick --json: every length, attention and reversibility measured, the recipe model at each window', () => {
  const run = bench(['--json']);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const report = JSON.parse(run.stdout) as {
    rows: BenchRow[];
    model: { encoder: string; bilstm: boolean; crf: boolean };
    summary: string[];
  };
  expect(report.model).toMatchObject({ encoder: 'reformer', bilstm: true, crf: true });
  const rows = report.rows;
  expect(rows.map((r) => `${r.contextTokens} ${r.attention} ${r.reversible}`)).toEqual(
    [0, 128].flatMap((n) => ['full', 'local', 'lsh'].flatMap((a) => [`${n} ${a} false`, `${n} ${a} true`])),
  );
  for (const r of rows) {
    expect(r.failed).toBeUndefined();
    expect(r.result.out_of_memory).toBeUndefined();
    expect(r.result.window_tokens_per_s!).toBeGreaterThan(0);
    expect(r.result.peak_tensor_bytes!).toBeGreaterThan(r.result.baseline_tensor_bytes!);
    if (r.contextTokens === 0) {
      expect(r.result.target_tokens_per_s!).toBeCloseTo(r.result.window_tokens_per_s!, 6);
    } else {
      // Windows of 128 tokens, 512 positions a batch; the loss trains only the target sentences.
      expect(r.batchShape).toEqual([4, 128]);
      expect(r.result.target_tokens_per_s!).toBeLessThan(r.result.window_tokens_per_s! / 2);
    }
  }
  // Reversible blocks lower the peak at every attention (memory is counted, not timed: deterministic).
  for (const attention of ['full', 'local', 'lsh']) {
    const [plain, rev] = [false, true].map((reversible) =>
      rows.find((r) => r.contextTokens === 128 && r.attention === attention && r.reversible === reversible),
    );
    expect(rev!.result.peak_tensor_bytes!).toBeLessThan(plain!.result.peak_tensor_bytes!);
  }
  expect(report.summary).toHaveLength(2);
  expect(report.summary[1]).toMatch(/^context 128: full: reversible peak 0\.\d\dx/);
});

test('a row that does not fit is printed as out of memory, and the run still ends with the table', () => {
  const run = bench(['--lengths', '0,128', '--attentions', 'full', '--limit-mib', '1']);
  expect(run.status).toBe(0);
  const lines = run.stdout.split('\n').filter((l) => /^\| (0|128) /.test(l));
  expect(lines).toHaveLength(4);
  for (const line of lines) expect(line).toMatch(/\| +out of memory \|/);
  expect(run.stderr).toMatch(/context 128, full: out of memory \(live tensors reached [\d.]+ MiB, above the limit of 1.0 MiB\)/);
  expect(run.stdout).toMatch(/context 128: out of memory: full, full rev/);
});
