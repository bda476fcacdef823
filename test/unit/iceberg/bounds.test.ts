import { describe, expect, it } from 'vitest';
import { icebergBounds, twosComplement, unscaledDecimal } from '../../../src/core/iceberg/bounds';
import { toIcebergSchema } from '../../../src/core/iceberg/schema';
import type { CatalogColumnStats } from '../../../src/core/ducklake/catalogReader';
import type { ColumnNode } from '../../../src/core/delta/schema';

const stats = (min: string | null, max: string | null, containsNan: boolean | null = false): CatalogColumnStats => ({
  fileId: 1,
  columnId: 1,
  nullCount: 0,
  min,
  max,
  containsNan,
});
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);

describe('Iceberg bounds from DuckLake stats', () => {
  it('decimal bounds are minimal big-endian two’s complement of the unscaled value', () => {
    expect(hex(twosComplement(0n))).toBe('00');
    expect(hex(twosComplement(127n))).toBe('7f');
    expect(hex(twosComplement(128n))).toBe('0080');
    expect(hex(twosComplement(-1n))).toBe('ff');
    expect(hex(twosComplement(-128n))).toBe('80');
    expect(hex(twosComplement(-129n))).toBe('ff7f');
    expect(unscaledDecimal('-12.5', 3)).toBe(-12500n);
    expect(unscaledDecimal('1.2345', 3)).toBeUndefined(); // more digits than the scale: no bound
    const b = icebergBounds('decimal(12, 3)', 'decimal(12,3)', stats('-20.000', '35.125'));
    expect(hex(b.lower)).toBe(hex(twosComplement(-20000n)));
    expect(hex(b.upper)).toBe(hex(twosComplement(35125n)));
  });

  it('ints, longs, dates and timestamps are little-endian; out-of-range or unparsable text gives no bound', () => {
    expect(hex(icebergBounds('int', 'int32', stats('-2', '7')).lower)).toBe('feffffff');
    expect(icebergBounds('int', 'int32', stats('0', '3000000000'))).toEqual({});
    expect(Buffer.from(icebergBounds('long', 'int64', stats('9007199254740993', '9')).lower!).readBigInt64LE()).toBe(
      9007199254740993n,
    );
    expect(Buffer.from(icebergBounds('date', 'date', stats('1970-01-02', '2020-02-29')).lower!).readInt32LE()).toBe(1);
    const ts = icebergBounds(
      'timestamptz',
      'timestamptz',
      stats('2024-01-01 00:00:00.000001+00', '2024-01-01 02:00:00+02'),
    );
    expect(Buffer.from(ts.lower!).readBigInt64LE()).toBe(1704067200000001n);
    expect(Buffer.from(ts.upper!).readBigInt64LE()).toBe(1704067200000000n);
  });

  it('doubles only without NaN, with zero widened to -0.0/+0.0; strings: lower cut, upper only when short', () => {
    expect(icebergBounds('double', 'float64', stats('0.0', '1.5', null))).toEqual({});
    expect(icebergBounds('double', 'float64', stats('0.0', '1.5', true))).toEqual({});
    const d = icebergBounds('double', 'float64', stats('0.0', '0.0'));
    expect(Object.is(Buffer.from(d.lower!).readDoubleLE(), -0)).toBe(true);
    expect(Object.is(Buffer.from(d.upper!).readDoubleLE(), 0)).toBe(true);
    expect(icebergBounds('float', 'float32', stats('1', '2'))).toEqual({});
    const long = 'x'.repeat(40);
    const s = icebergBounds('string', 'varchar', stats(long, long));
    expect(Buffer.from(s.lower!).toString()).toBe('x'.repeat(32));
    expect(s.upper).toBeUndefined();
  });

  it('schema: DuckLake column ids become field ids (list/map children too); unsupported types are named', () => {
    const node = (columnId: number, name: string, type: string, children: ColumnNode[] = []): ColumnNode => ({
      columnId,
      name,
      type,
      nullable: true,
      initialDefault: null,
      beginSnapshot: 1,
      children,
    });
    const result = toIcebergSchema([
      node(1, 'id', 'int64'),
      node(2, 'tags', 'list', [node(3, 'element', 'varchar')]),
      node(4, 'attrs', 'map', [node(5, 'key', 'varchar'), node(6, 'value', 'int32')]),
      node(7, 'seen', 'timestamp_ns'),
    ]);
    expect(result.fields.map((f) => [f.id, f.name])).toEqual([
      [1, 'id'],
      [2, 'tags'],
      [4, 'attrs'],
    ]);
    expect(result.fields[1]!.type).toMatchObject({ type: 'list', 'element-id': 3, element: 'string' });
    expect(result.fields[2]!.type).toMatchObject({ type: 'map', 'key-id': 5, 'value-id': 6, value: 'int' });
    expect(result.lastColumnId).toBe(7);
    expect(result.problems).toEqual([{ column: 'seen', message: expect.stringContaining('TIMESTAMP_NS') }]);
  });
});
