/**
 * A small SVG line chart of the fine-tuning loss: one point per step, axes with round ticks, and the loss on
 * the whole sample (dropout off) before the run as a dashed reference line.
 */

const SVG = 'http://www.w3.org/2000/svg';

/** Round tick values covering `[lo, hi]` (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function node<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

/** Data of the chart. */
export interface LossSeries {
  /** Loss per step, steps numbered from `firstStep`. */
  readonly losses: readonly number[];
  readonly firstStep?: number;
  /** The sample's loss before fine-tuning, drawn as a dashed line. */
  readonly reference?: number;
}

/** Draws `series` into `svg` (its viewBox is 480 x 220), replacing what was there. */
export function drawLossChart(svg: SVGSVGElement, series: LossSeries): void {
  const width = 480;
  const height = 220;
  const m = { top: 14, right: 14, bottom: 34, left: 48 };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const { losses, reference } = series;
  const first = series.firstStep ?? 1;
  const children: SVGElement[] = [];
  if (losses.length === 0) {
    children.push(
      node(
        'text',
        { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' },
        'The loss of each fine-tuning step is plotted here.',
      ),
    );
    svg.replaceChildren(...children);
    return;
  }
  const values = reference === undefined ? [...losses] : [...losses, reference];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
  lo = Math.max(0, lo - pad);
  hi += pad;
  const lastStep = first + Math.max(losses.length - 1, 1);
  const x = (step: number): number => m.left + ((step - first) / (lastStep - first)) * (width - m.left - m.right);
  const y = (v: number): number => height - m.bottom - ((v - lo) / (hi - lo)) * (height - m.top - m.bottom);

  for (const t of niceTicks(lo, hi, 4)) {
    children.push(node('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), class: 'grid' }));
    children.push(node('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, String(t)));
  }
  for (const t of niceTicks(first, lastStep, 6).filter((s) => Number.isInteger(s))) {
    children.push(node('text', { x: x(t), y: height - m.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, String(t)));
  }
  children.push(node('line', { x1: m.left, x2: width - m.right, y1: height - m.bottom, y2: height - m.bottom, class: 'axis' }));
  children.push(node('line', { x1: m.left, x2: m.left, y1: m.top, y2: height - m.bottom, class: 'axis' }));
  children.push(node('text', { x: (m.left + width - m.right) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-label' }, 'step'));
  children.push(
    node(
      'text',
      {
        x: 12,
        y: (m.top + height - m.bottom) / 2,
        'text-anchor': 'middle',
        class: 'axis-label',
        transform: `rotate(-90 12 ${(m.top + height - m.bottom) / 2})`,
      },
      'loss',
    ),
  );
  if (reference !== undefined) {
    children.push(node('line', { x1: m.left, x2: width - m.right, y1: y(reference), y2: y(reference), class: 'reference' }));
    children.push(
      node(
        'text',
        { x: width - m.right - 4, y: y(reference) - 5, 'text-anchor': 'end', class: 'reference-label' },
        `whole sample before (dropout off): ${reference.toFixed(3)}`,
      ),
    );
  }
  const points = losses.map((v, i) => `${x(first + i).toFixed(1)},${y(v).toFixed(1)}`);
  children.push(node('polyline', { points: points.join(' '), class: 'loss-line' }));
  losses.forEach((v, i) => {
    const dot = node('circle', { cx: x(first + i), cy: y(v), r: losses.length > 60 ? 1.5 : 3, class: 'loss-point' });
    dot.append(node('title', {}, `step ${first + i}: loss ${v.toFixed(4)}`));
    children.push(dot);
  });
  svg.replaceChildren(...children);
}
