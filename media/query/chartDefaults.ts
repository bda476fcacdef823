/** The chart's default axes: a date column on x, a number on y. Pure, unit-tested. */
import type { ColumnInfo } from '../../src/core/query/types';

export interface ChartAxes {
  x: number;
  y: number;
  series?: number;
}

/** Undefined when the result has no numeric column to plot. */
export function defaultChartAxes(columns: ColumnInfo[]): ChartAxes | undefined {
  const numbers = columns.map((c, i) => (c.display === 'number' ? i : -1)).filter((i) => i >= 0);
  if (numbers.length === 0) return undefined;
  const temporal = columns.findIndex((c) => c.display === 'temporal');
  const text = columns.findIndex((c) => c.display === 'text');
  const x = temporal >= 0 ? temporal : text >= 0 ? text : numbers.length > 1 ? numbers[0]! : -1;
  if (x < 0) return { x: numbers[0]!, y: numbers[0]! };
  const y = numbers.find((i) => i !== x)!;
  return { x, y };
}

/** Bar charts read best with categories or dates on x; scatter when both axes are numbers. */
export function defaultChartKind(columns: ColumnInfo[], axes: ChartAxes): 'bar' | 'line' | 'scatter' {
  const x = columns[axes.x]?.display;
  if (x === 'temporal') return 'line';
  if (x === 'number') return 'scatter';
  return 'bar';
}
