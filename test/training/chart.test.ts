import { trainingChartSvg } from '../../src/training/chart.js';
import type { MetricRecord } from '../../src/training/history.js';

const rec = (step: number, name: string, value: number, mode: 'train' | 'eval' = 'train', task = 0): MetricRecord => ({
  step,
  mode,
  task,
  name,
  value,
});

describe('trainingChartSvg', () => {
  const layout = { width: 100, height: 50 };

  test('one panel per shown metric, one polyline per series, points placed by hand-computed scale', () => {
    const records = [
      rec(0, 'loss', 2),
      rec(10, 'loss', 1),
      rec(10, 'loss', 1.5, 'eval'),
      rec(0, 'loss', 3, 'eval'),
      rec(5, 'learning_rate', 0.1),
    ];
    const svg = trainingChartSvg(records, new Set(['loss']), 'run', layout);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toContain('learning_rate');
    const polylines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]);
    // x: steps 0..10 over 100 units from the left margin (64); y: values 1..3 over 50 units below the panel top.
    // Panel top = 30 (title) + 28 (margin) = 58; y(v) = 58 + 50 - (v - 1) / 2 * 50.
    expect(polylines).toEqual(['64.0,83.0 164.0,108.0', '64.0,58.0 164.0,95.5']);
    expect(svg).toContain('>train</text>');
    expect(svg).toContain('>eval</text>');
  });

  test('drops non-finite values, escapes names, keeps a constant series visible', () => {
    const svg = trainingChartSvg([rec(1, 'a<b', 1), rec(2, 'a<b', NaN), rec(3, 'a<b', 1)], new Set(['a<b']), 'x & y', layout);
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('x &amp; y');
    expect(svg).not.toContain('NaN');
    const [points] = [...svg.matchAll(/points="([^"]+)"/g)].map((m) => m[1]);
    expect(points!.split(' ')).toHaveLength(2);
    expect(points).toBe('64.0,83.0 164.0,83.0');
  });

  test('no records: a valid document with the title only', () => {
    const svg = trainingChartSvg([], new Set(['loss']), 'empty');
    expect(svg).toContain('>empty</text>');
    expect(svg).not.toContain('<polyline');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});
