import { describe, expect, it } from 'vitest';
import { alignSeries, parseTime } from '../../../media/query/chartData';
import { defaultChartAxes, defaultChartKind } from '../../../media/query/chartDefaults';
import type { ColumnInfo } from '../../../src/core/query/types';

const col = (name: string, display: ColumnInfo['display']): ColumnInfo => ({ name, type: display, display });

describe('defaultChartAxes', () => {
  it('puts a date column on x and a number on y, wherever they are', () => {
    const columns = [col('site', 'text'), col('kwh', 'number'), col('read_at', 'temporal')];
    expect(defaultChartAxes(columns)).toEqual({ x: 2, y: 1 });
    expect(defaultChartKind(columns, { x: 2, y: 1 })).toBe('line');
  });

  it('falls back to a text column on x (bar), then to two numbers (scatter)', () => {
    const text = [col('kwh', 'number'), col('site', 'text')];
    expect(defaultChartAxes(text)).toEqual({ x: 1, y: 0 });
    expect(defaultChartKind(text, { x: 1, y: 0 })).toBe('bar');
    const numbers = [col('a', 'number'), col('b', 'number')];
    expect(defaultChartAxes(numbers)).toEqual({ x: 0, y: 1 });
    expect(defaultChartKind(numbers, { x: 0, y: 1 })).toBe('scatter');
  });

  it('has nothing to plot without a number', () => {
    expect(defaultChartAxes([col('a', 'text'), col('b', 'temporal')])).toBeUndefined();
  });
});

describe('alignSeries', () => {
  it('aligns series on shared x values with gaps as null', () => {
    const aligned = alignSeries({
      xDisplay: 'number',
      reduced: false,
      series: [
        {
          name: 'a',
          points: [
            { x: 2, y: 20 },
            { x: 1, y: 10 },
          ],
        },
        { name: 'b', points: [{ x: 3, y: 30 }] },
      ],
    });
    expect(aligned.data).toEqual([
      [1, 2, 3],
      [10, 20, null],
      [null, null, 30],
    ]);
    expect(aligned.names).toEqual(['a', 'b']);
    expect(aligned.time).toBe(false);
  });

  it('turns text x into categories and timestamps into epoch seconds', () => {
    const cats = alignSeries({
      xDisplay: 'text',
      reduced: false,
      series: [
        {
          name: 'y',
          points: [
            { x: 'b', y: 1 },
            { x: 'a', y: 2 },
          ],
        },
      ],
    });
    expect(cats.labels).toEqual(['b', 'a']);
    expect(cats.data[0]).toEqual([0, 1]);
    const times = alignSeries({
      xDisplay: 'temporal',
      reduced: false,
      series: [{ name: 'y', points: [{ x: '2024-01-01 00:00:01+00', y: 1 }] }],
    });
    expect(times.time).toBe(true);
    expect(times.data[0]).toEqual([1704067201]);
  });

  it('parses DuckDB timestamp text', () => {
    expect(parseTime('2024-01-01')).toBe(1704067200);
    expect(parseTime('2024-01-01 01:00:00')).toBe(1704070800);
    expect(parseTime('2024-01-01T02:00:00+02')).toBe(1704067200);
    expect(parseTime('not a date')).toBeNaN();
  });
});
