/**
 * Turns the engine's chart series into uPlot's aligned columns: one shared x
 * array (numbers, epoch seconds for dates, or category indexes) and one y
 * array per series with null where a series has no point. Pure, unit-tested.
 */
import type { ChartData } from '../../src/core/query/types';

export interface AlignedChart {
  data: [number[], ...(number | null)[][]];
  names: string[];
  /** Category labels when x is text (x values are then their indexes). */
  labels?: string[];
  /** x holds epoch seconds. */
  time: boolean;
}

/** ISO-ish DuckDB timestamp text to epoch seconds; NaN when it is not one. */
export function parseTime(text: string): number {
  let iso = text.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  iso = iso.replace(/([+-]\d{2})$/, '$1:00');
  if (/T[\d:.]+$/.test(iso)) iso += 'Z';
  return Date.parse(iso) / 1000;
}

export function alignSeries(chart: ChartData): AlignedChart {
  const names = chart.series.map((s) => s.name);
  const all = chart.series.flatMap((s) => s.points.map((p) => p.x));
  const time = chart.xDisplay === 'temporal' && all.every((x) => typeof x === 'number' || !Number.isNaN(parseTime(x)));
  const numeric = !time && all.every((x) => typeof x === 'number');
  const toX = (x: string | number): number => (typeof x === 'number' ? x : time ? parseTime(x) : NaN);

  let xs: number[];
  let labels: string[] | undefined;
  const key = (x: string | number) => (time || numeric ? toX(x) : String(x));
  if (time || numeric) {
    xs = [...new Set(all.map(toX))].sort((a, b) => a - b);
  } else {
    labels = [...new Set(all.map(String))];
    xs = labels.map((_, i) => i);
  }
  const index = new Map<string | number, number>();
  (labels ?? xs).forEach((v, i) => index.set(v, i));
  const ys = chart.series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s.points) {
      const i = index.get(key(p.x));
      if (i !== undefined) col[i] = p.y;
    }
    return col;
  });
  return { data: [xs, ...ys], names, labels, time };
}
