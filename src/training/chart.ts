/**
 * The training chart: train and eval curves of the loop's history, as an SVG drawn by vega-lite and vega
 * (headless, with vega's `renderer: 'none'` view, no canvas needed).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MetricRecord } from './history.js';

/** A vega-lite specification (plain JSON). @public */
export type VegaLiteSpec = Record<string, unknown>;

/**
 * The vega-lite specification of the training chart: one panel per metric (train losses and eval metrics), each
 * with a line per mode and task, the step on the x axis. Learning rates and norms are left out.
 * @public
 */
export function trainingChartSpec(records: readonly MetricRecord[], shownNames: ReadonlySet<string>, title = 'Training'): VegaLiteSpec {
  const values = records
    .filter((r) => shownNames.has(r.name) && Number.isFinite(r.value))
    .map((r) => ({ step: r.step, value: r.value, metric: r.name, series: `${r.mode}${r.task ? ` ${r.task}` : ''}` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { row: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 480,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

interface VegaModules {
  vl: { compile: (spec: never) => { spec: unknown } };
  vega: { View: new (runtime: unknown, options: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void }; parse: (spec: unknown) => unknown };
}

async function loadInProcess(): Promise<VegaModules> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  return { vl: vl as unknown as VegaModules['vl'], vega: vega as unknown as VegaModules['vega'] };
}

let inProcess: Promise<VegaModules> | undefined;

/**
 * Renders a vega-lite specification to SVG. vega and vega-lite are ES modules (with top-level await), so where
 * they cannot be imported in-process (a CommonJS host such as jest) the rendering runs in a child Node process.
 * @public
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  inProcess ??= loadInProcess();
  let modules: VegaModules;
  try {
    modules = await inProcess;
  } catch {
    return renderInChildProcess(spec);
  }
  const view = new modules.vega.View(modules.vega.parse(modules.vl.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const CHILD_SCRIPT = `
const [vegaUrl, vegaLiteUrl] = process.argv.slice(1);
const vega = await import(vegaUrl);
const vl = await import(vegaLiteUrl);
let text = '';
for await (const chunk of process.stdin) text += chunk;
const view = new vega.View(vega.parse(vl.compile(JSON.parse(text)).spec), { renderer: 'none' });
process.stdout.write(await view.toSVG());
view.finalize();
`;

function resolveModule(name: string): string {
  const require = createRequire(path.join(process.cwd(), 'index.js'));
  return pathToFileURL(require.resolve(name)).href;
}

async function renderInChildProcess(spec: VegaLiteSpec): Promise<string> {
  const args = ['--input-type=module', '-e', CHILD_SCRIPT, resolveModule('vega'), resolveModule('vega-lite')];
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`chart rendering failed (exit ${code}): ${err.trim()}`))));
    child.stdin.end(JSON.stringify(spec));
  });
}
