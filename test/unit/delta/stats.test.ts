import { describe, expect, it } from 'vitest';
import type { CatalogColumnStats } from '../../../src/core/ducklake/catalogReader';
import type { ColumnNode } from '../../../src/core/delta/schema';
import { buildStats, statBounds, statsWriter, timestampMicros } from '../../../src/core/delta/stats';
import type { DeltaType } from '../../../src/core/delta/schema';

function node(columnId: number, name: string, type: string, children: ColumnNode[] = []): ColumnNode {
  return { columnId, name, type, nullable: true, initialDefault: null, beginSnapshot: 1, children };
}

function stat(
  columnId: number,
  min: string | null,
  max: string | null,
  nullCount: number | null = 0,
  containsNan: boolean | null = null,
): CatalogColumnStats {
  return { fileId: 1, columnId, nullCount, min, max, containsNan };
}

describe('Delta stats from DuckLake file column stats', () => {
  it('writes numRecords, nested min/max/nullCount, and exact integer literals', () => {
    const columns = [
      node(1, 'id', 'int64'),
      node(2, 'name', 'varchar'),
      node(3, 'address', 'struct', [node(4, 'zip', 'int32'), node(5, 'city', 'varchar')]),
      node(6, 'tags', 'list', [node(7, 'element', 'varchar')]),
    ];
    const stats = new Map([
      [1, stat(1, '-9223372036854775808', '9007199254740993', 0)],
      [2, stat(2, 'ada', 'zed', 2)],
      [4, stat(4, '1000', '9999', 1)],
      [5, stat(5, 'Oslo', 'Oslo', 0)],
      [7, stat(7, 'a', 'b', 0)],
    ]);
    const json = buildStats({ recordCount: 10, stats }, columns, new Set());
    // Raw literals: a JS number would round 9007199254740993.
    expect(json).toBe(
      '{"numRecords":10,"minValues":{"id":-9223372036854775808,"name":"ada","address":{"zip":1000,"city":"Oslo"}},' +
        '"maxValues":{"id":9007199254740993,"name":"zed","address":{"zip":9999,"city":"Oslo"}},' +
        '"nullCount":{"id":0,"name":2,"address":{"zip":1,"city":0}}}',
    );
  });

  it('leaves out partition columns, all-null bounds and columns without stats', () => {
    const columns = [node(1, 'region', 'varchar'), node(2, 'v', 'int32'), node(3, 'w', 'int32')];
    const stats = new Map([
      [1, stat(1, 'eu', 'eu')],
      [2, stat(2, null, null, 4)],
    ]);
    expect(JSON.parse(buildStats({ recordCount: 4, stats }, columns, new Set(['region'])))).toEqual({
      numRecords: 4,
      minValues: {},
      maxValues: {},
      nullCount: { v: 4 },
    });
  });

  it('one writer for many files: each file gets only its own values, and a struct with none is left out', () => {
    const columns = [node(1, 'id', 'int64'), node(3, 'address', 'struct', [node(4, 'zip', 'int32')])];
    const write = statsWriter(columns, new Set());
    const first = write({
      recordCount: 3,
      stats: new Map([
        [1, stat(1, '1', '3')],
        [4, stat(4, '10', '20', 1)],
      ]),
    });
    const second = write({ recordCount: 2, stats: new Map([[1, stat(1, '7', '8', 0)]]) });
    const third = write({ recordCount: 2, stats: new Map() });
    expect(first).toBe(
      '{"numRecords":3,"minValues":{"id":1,"address":{"zip":10}},"maxValues":{"id":3,"address":{"zip":20}},' +
        '"nullCount":{"id":0,"address":{"zip":1}}}',
    );
    expect(second).toBe('{"numRecords":2,"minValues":{"id":7},"maxValues":{"id":8},"nullCount":{"id":0}}');
    expect(third).toBe('{"numRecords":2,"minValues":{},"maxValues":{},"nullCount":{}}');
  });

  it('keeps only bounds that are safe for data skipping', () => {
    const b = (
      type: Parameters<typeof statBounds>[0],
      duck: string,
      min: string,
      max: string,
      nan: boolean | null = null,
    ) => statBounds(type, duck, { min, max, containsNan: nan });
    // Doubles: finite and NaN-free only; FLOAT never (its short text can sit inside the value).
    expect(b('double', 'float64', '-1.5', '2e+20')).toEqual({
      min: expect.objectContaining({ text: '-1.5' }),
      max: expect.objectContaining({ text: '2e+20' }),
    });
    expect(b('double', 'float64', '0.0', 'inf', false)).toEqual({});
    expect(b('double', 'float64', '1', '2', true)).toEqual({});
    expect(b('float', 'float32', '0.1', '0.2')).toEqual({});
    // Decimals: up to 15 digits, where a double holds the value exactly.
    expect(b('decimal(15,2)', 'decimal(15,2)', '-1.25', '9999999999999.99')).toEqual({
      min: expect.objectContaining({ text: '-1.25' }),
      max: expect.objectContaining({ text: '9999999999999.99' }),
    });
    expect(b('decimal(16,2)', 'decimal(16,2)', '1.00', '2.00')).toEqual({});
    // Strings: min cut to a 32-character prefix, max only when short.
    const long = 'é'.repeat(40);
    expect(b('string', 'varchar', long, long)).toEqual({ min: 'é'.repeat(32) });
    expect(b('string', 'varchar', 'a', 'b"\\')).toEqual({ min: 'a', max: 'b"\\' });
    // Booleans and binary: nullCount only.
    expect(b('boolean', 'boolean', '0', '1')).toEqual({});
    expect(b('binary', 'blob', 'AA', 'FF')).toEqual({});
    expect(b('date', 'date', '2024-02-29', '2024-03-01')).toEqual({ min: '2024-02-29', max: '2024-03-01' });
    expect(b('integer', 'int32', '1.5', '2')).toEqual({});
  });

  it('writes timestamps as UTC ISO milliseconds, min rounded down and max rounded up', () => {
    expect(
      statBounds('timestamp', 'timestamp', {
        min: '2024-01-01 10:00:00.123456',
        max: '2024-01-01 10:00:00.123456',
        containsNan: null,
      }),
    ).toEqual({
      min: '2024-01-01T10:00:00.123Z',
      max: '2024-01-01T10:00:00.124Z',
    });
    expect(
      statBounds('timestamp', 'timestamptz', {
        min: '2024-06-01 12:00:00+02',
        max: '2024-06-01 12:00:00.5-01:30',
        containsNan: null,
      }),
    ).toEqual({
      min: '2024-06-01T10:00:00.000Z',
      max: '2024-06-01T13:30:00.500Z',
    });
    expect(
      statBounds('timestamp', 'timestamp', {
        min: '1969-12-31 23:59:59.9999',
        max: '1970-01-01 00:00:00',
        containsNan: null,
      }),
    ).toEqual({
      min: '1969-12-31T23:59:59.999Z',
      max: '1970-01-01T00:00:00.000Z',
    });
    expect(
      statBounds('timestamp', 'timestamp', { min: 'infinity', max: '2024-01-01 00:00:00', containsNan: null }),
    ).toEqual({});
    expect(
      statBounds('timestamp', 'timestamp', {
        min: '10000-01-01 00:00:00',
        max: '10000-01-01 00:00:00',
        containsNan: null,
      }),
    ).toEqual({});
    expect(timestampMicros('1970-01-01 00:00:01.5', false)).toBe(1_500_000n);
    expect(timestampMicros('1970-01-01 00:00:00+01', true)).toBe(-3_600_000_000n);
    // A zone on a zone-less timestamp is not something DuckLake writes: refuse it.
    expect(timestampMicros('1970-01-01 00:00:00+01', false)).toBeUndefined();
    // Years 1–99 are those years, not 1901–1999 (Date.UTC's reading): a bound 1,900 years off loses rows.
    expect(timestampMicros('0050-03-01 00:00:00', false)).toBe(-60_584_198_400_000_000n);
    expect(
      statBounds('timestamp', 'timestamp', {
        min: '0050-03-01 00:00:00.0005',
        max: '0099-12-31 23:59:59.9995',
        containsNan: null,
      }),
    ).toEqual({ min: '0050-03-01T00:00:00.000Z', max: '0100-01-01T00:00:00.000Z' });
  });

  it('writes the same bounds from its text fast paths as statBounds gives for every timestamp and string', () => {
    // The writer turns whole-millisecond UTC times and short strings into JSON without a Date or a
    // code-point array; anything else goes through statBounds. Either way the text must be statBounds'.
    const viaStatBounds = (type: 'timestamp' | 'string', duckLakeType: string, min: string, max: string) => {
      const bounds = statBounds(type, duckLakeType, { min, max, containsNan: null });
      const side = (v: unknown) => (v === undefined ? '{}' : `{"c":${JSON.stringify(v)}}`);
      return `{"numRecords":2,"minValues":${side(bounds.min)},"maxValues":${side(bounds.max)},"nullCount":{"c":0}}`;
    };
    const times = [
      '2024-01-01 00:00:00',
      '2024-01-01 00:00:00+00',
      '2024-01-01 10:00:00.123',
      '2024-01-01 10:00:00.123000+00',
      '2024-01-01 10:00:00.1234',
      '2024-01-01 10:00:00.999999',
      '2024-01-01 23:59:59.9995+00',
      '2024-02-29 12:00:00',
      '2023-02-29 12:00:00',
      '1900-02-29 12:00:00',
      '2000-02-29 12:00:00',
      '2024-04-31 00:00:00',
      '2024-13-01 00:00:00',
      '2024-01-01 24:00:00',
      '2024-01-01 10:60:00',
      '2024-01-01 10:00:60',
      '0999-12-31 23:59:59',
      '1000-01-01 00:00:00',
      '9999-12-31 23:59:59.999',
      '2024-01-01T10:00:00',
      '2024-01-01 10:00:00+02',
      '2024-01-01 10:00:00-00:30',
      'infinity',
    ];
    for (const duckLakeType of ['timestamp', 'timestamptz']) {
      const write = statsWriter([node(1, 'c', duckLakeType)], new Set());
      for (const min of times)
        for (const max of times) {
          const file = { recordCount: 2, stats: new Map([[1, stat(1, min, max)]]) };
          expect(write(file), `${duckLakeType} ${min} .. ${max}`).toBe(
            viaStatBounds('timestamp', duckLakeType, min, max),
          );
        }
    }
    const strings = [
      '',
      'a',
      '"quoted"\\',
      'x'.repeat(32),
      'x'.repeat(33),
      '\u{1F600}'.repeat(16),
      '\u{1F600}'.repeat(17),
    ];
    const write = statsWriter([node(1, 'c', 'varchar')], new Set());
    for (const min of strings)
      for (const max of strings)
        expect(write({ recordCount: 2, stats: new Map([[1, stat(1, min, max)]]) })).toBe(
          viaStatBounds('string', 'varchar', min, max),
        );
    // Decimals: the precision is read once per column; the bounds are statBounds' (raw JSON numbers).
    const decimals = ['1.25', '-0.50', '0', '12', '007', '1e5', '1.', 'abc', '99999999999999.99'];
    for (const duckLakeType of ['decimal(12,2)', 'decimal(15,4)', 'decimal(16,2)', 'decimal(38,10)']) {
      const writeDecimal = statsWriter([node(1, 'c', duckLakeType)], new Set());
      for (const min of decimals)
        for (const max of decimals) {
          const bounds = statBounds(duckLakeType as DeltaType, duckLakeType, { min, max, containsNan: null });
          const side = (v: unknown) => (v === undefined ? '{}' : `{"c":${(v as { text: string }).text}}`);
          expect(writeDecimal({ recordCount: 2, stats: new Map([[1, stat(1, min, max)]]) })).toBe(
            `{"numRecords":2,"minValues":${side(bounds.min)},"maxValues":${side(bounds.max)},"nullCount":{"c":0}}`,
          );
        }
    }
    expect(
      statsWriter(
        [node(1, 'c', 'decimal(12,2)')],
        new Set(),
      )({
        recordCount: 2,
        stats: new Map([[1, stat(1, '-0.50', '12')]]),
      }),
    ).toBe('{"numRecords":2,"minValues":{"c":-0.50},"maxValues":{"c":12},"nullCount":{"c":0}}');
  });

  it('names the leaf columns it reads, without partition columns, lists or maps', () => {
    const write = statsWriter(
      [
        node(1, 'id', 'int64'),
        node(2, 'region', 'varchar'),
        node(3, 'tags', 'list', [node(4, 'element', 'varchar')]),
        node(5, 'address', 'struct', [node(6, 'city', 'varchar'), node(7, 'zip', 'int32')]),
      ],
      new Set(['region']),
    );
    expect(write.columnIds).toEqual([1, 6, 7]);
  });
});
