/**
 * The training chart: train and eval curves of the loop's history as a self-contained SVG, one panel per metric
 * with a line per series (mode and task), the step on the x axis. Hand-written (a few polylines, axes and
 * labels) so that the chart needs no charting library and runs anywhere, the browser included.
 */
import type { MetricRecord } from './history.js';

/** Layout of {@link trainingChartSvg}'s panels, in SVG user units. @public */
export interface TrainingChartLayout {
  /** Width of a panel's plotting area. */
  readonly width: number;
  /** Height of a panel's plotting area. */
  readonly height: number;
}

const DEFAULT_LAYOUT: TrainingChartLayout = { width: 480, height: 180 };
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
const MARGIN = { left: 64, right: 160, top: 28, bottom: 34 };
const TICKS = 5;

interface Series {
  readonly name: string;
  readonly points: readonly (readonly [step: number, value: number])[];
}

interface Panel {
  readonly metric: string;
  readonly series: readonly Series[];
}

/** Escapes text for an SVG text node or attribute. */
function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Groups the shown, finite records into panels (by metric, in first-seen order) of series (mode and task). */
function panelsOf(records: readonly MetricRecord[], shownNames: ReadonlySet<string>): Panel[] {
  const byMetric = new Map<string, Map<string, [number, number][]>>();
  for (const r of records) {
    if (!shownNames.has(r.name) || !Number.isFinite(r.value)) continue;
    const series = `${r.mode}${r.task ? ` ${r.task}` : ''}`;
    const metric = byMetric.get(r.name) ?? new Map<string, [number, number][]>();
    byMetric.set(r.name, metric);
    const points = metric.get(series) ?? [];
    metric.set(series, points);
    points.push([r.step, r.value]);
  }
  return [...byMetric].map(([metric, series]) => ({
    metric,
    series: [...series].map(([name, points]) => ({ name, points: [...points].sort((p, q) => p[0] - q[0]) })),
  }));
}

/** `[lo, hi]` widened so that a constant series still spans a visible range. */
function extent(values: readonly number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** A short label for a tick value: few significant digits, no trailing zeros. */
function tickLabel(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

function panelSvg(panel: Panel, colorOf: (series: string) => string, layout: TrainingChartLayout, top: number): string {
  const { width, height } = layout;
  const points = panel.series.flatMap((s) => s.points);
  const [x0, x1] = extent(points.map((p) => p[0]));
  const [y0, y1] = extent(points.map((p) => p[1]));
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * width;
  const sy = (y: number) => top + height - ((y - y0) / (y1 - y0)) * height;
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="${top - 8}" font-weight="bold">${escapeXml(panel.metric)}</text>`);
  parts.push(`<rect x="${MARGIN.left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#888"/>`);
  for (let i = 0; i <= TICKS; i++) {
    const yValue = y0 + ((y1 - y0) * i) / TICKS;
    const xValue = x0 + ((x1 - x0) * i) / TICKS;
    const y = sy(yValue).toFixed(1);
    const x = sx(xValue).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + width}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(yValue)}</text>`);
    parts.push(`<text x="${x}" y="${top + height + 16}" text-anchor="middle">${tickLabel(xValue)}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + width / 2}" y="${top + height + 30}" text-anchor="middle">step</text>`);
  panel.series.forEach((s, i) => {
    const color = colorOf(s.name);
    const coords = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    if (coords.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${coords.join(' ')}"/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2" fill="${color}"/>`);
    }
    const legendY = top + 12 + i * 16;
    parts.push(
      `<line x1="${MARGIN.left + width + 12}" x2="${MARGIN.left + width + 28}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${MARGIN.left + width + 34}" y="${legendY}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  return parts.join('\n');
}

/**
 * The training chart as an SVG document: one panel per metric among `shownNames` (train losses and eval metrics,
 * in the order they first appear in `records`), each with a line per mode and task, the step on the x axis and
 * the metric's own y range. Non-finite values are left out. With no shown record the chart has the title only.
 *
 * @example
 * ```ts
 * import { trainingChartSvg, type MetricRecord } from 'trax-ts';
 * const records: MetricRecord[] = [
 *   { step: 1, mode: 'train', task: 0, name: 'loss', value: 2.0 },
 *   { step: 10, mode: 'train', task: 0, name: 'loss', value: 1.2 },
 * ];
 * const svg: string = trainingChartSvg(records, new Set(['loss']), 'My run');
 * console.log(svg.startsWith('<svg'));
 * ```
 * @public
 */
export function trainingChartSvg(
  records: readonly MetricRecord[],
  shownNames: ReadonlySet<string>,
  title = 'Training',
  layout: TrainingChartLayout = DEFAULT_LAYOUT,
): string {
  const panels = panelsOf(records, shownNames);
  const seriesNames = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const colorOf = (series: string) => PALETTE[seriesNames.indexOf(series) % PALETTE.length]!;
  const panelHeight = MARGIN.top + layout.height + MARGIN.bottom;
  const totalWidth = MARGIN.left + layout.width + MARGIN.right;
  const totalHeight = 30 + panels.length * panelHeight;
  const body = panels.map((p, i) => panelSvg(p, colorOf, layout, 30 + i * panelHeight + MARGIN.top));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${totalHeight}" viewBox="0 0 ${totalWidth} ${totalHeight}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
