import { describe, expect, it } from 'vitest';
import type { CatalogColumn } from '../../../src/core/ducklake/catalogReader';
import { columnTreeAt, schemaString, toDeltaSchema } from '../../../src/core/delta/schema';

let nextId = 1;
function col(name: string, type: string, extra: Partial<CatalogColumn> = {}): CatalogColumn {
  const id = extra.columnId ?? nextId++;
  return {
    columnId: id,
    beginSnapshot: 1,
    endSnapshot: null,
    order: id,
    name,
    type,
    initialDefault: null,
    nullable: true,
    parentId: null,
    ...extra,
  };
}

function schemaOf(columns: CatalogColumn[]) {
  return toDeltaSchema(columnTreeAt(columns, 10));
}

describe('DuckLake column types -> Delta schema', () => {
  it('maps integers, unsigned widening, floats, decimals, strings, dates and timestamps', () => {
    const result = schemaOf([
      col('i8', 'int8'),
      col('i16', 'int16'),
      col('i32', 'int32'),
      col('i64', 'int64'),
      col('u8', 'uint8'),
      col('u16', 'uint16'),
      col('u32', 'uint32'),
      col('f', 'float32'),
      col('d', 'float64'),
      col('price', 'decimal(10,2)'),
      col('wide', 'decimal(38, 38)'),
      col('s', 'varchar'),
      col('j', 'json'),
      col('b', 'boolean'),
      col('bin', 'blob'),
      col('day', 'date'),
      col('ts', 'timestamp'),
      col('tstz', 'timestamptz'),
      col('ts_s', 'timestamp_s'),
      col('ts_ms', 'timestamp_ms'),
      col('req', 'int32', { nullable: false }),
    ]);
    expect(result.problems).toEqual([]);
    expect(result.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['i8', 'byte'],
      ['i16', 'short'],
      ['i32', 'integer'],
      ['i64', 'long'],
      ['u8', 'short'],
      ['u16', 'integer'],
      ['u32', 'long'],
      ['f', 'float'],
      ['d', 'double'],
      ['price', 'decimal(10,2)'],
      ['wide', 'decimal(38,38)'],
      ['s', 'string'],
      ['j', 'string'],
      ['b', 'boolean'],
      ['bin', 'binary'],
      ['day', 'date'],
      ['ts', 'timestamp'],
      ['tstz', 'timestamp'],
      ['ts_s', 'timestamp'],
      ['ts_ms', 'timestamp'],
      ['req', 'integer'],
    ]);
    expect(result.schema.fields.at(-1)).toEqual({ name: 'req', type: 'integer', nullable: false, metadata: {} });
    // Zone-less timestamps are exported but flagged.
    expect(result.warnings.map((w) => w.column)).toEqual(['ts', 'ts_s', 'ts_ms']);
  });

  it('maps nested list, struct and map columns recursively', () => {
    const tags = col('tags', 'list', { columnId: 100, order: 1 });
    const address = col('address', 'struct', { columnId: 200, order: 2 });
    const attrs = col('attrs', 'map', { columnId: 300, order: 3 });
    const result = schemaOf([
      tags,
      col('element', 'varchar', { columnId: 101, order: 1, parentId: 100 }),
      address,
      col('street', 'varchar', { columnId: 201, order: 1, parentId: 200 }),
      col('geo', 'struct', { columnId: 202, order: 2, parentId: 200 }),
      col('lat', 'float64', { columnId: 203, order: 1, parentId: 202 }),
      col('points', 'list', { columnId: 204, order: 3, parentId: 200 }),
      col('element', 'decimal(9,3)', { columnId: 205, order: 1, parentId: 204 }),
      attrs,
      col('key', 'varchar', { columnId: 301, order: 1, parentId: 300 }),
      col('value', 'int64', { columnId: 302, order: 2, parentId: 300 }),
    ]);
    expect(result.problems).toEqual([]);
    expect(JSON.parse(schemaString(result.schema))).toEqual({
      type: 'struct',
      fields: [
        {
          name: 'tags',
          type: { type: 'array', elementType: 'string', containsNull: true },
          nullable: true,
          metadata: {},
        },
        {
          name: 'address',
          type: {
            type: 'struct',
            fields: [
              { name: 'street', type: 'string', nullable: true, metadata: {} },
              {
                name: 'geo',
                type: { type: 'struct', fields: [{ name: 'lat', type: 'double', nullable: true, metadata: {} }] },
                nullable: true,
                metadata: {},
              },
              {
                name: 'points',
                type: { type: 'array', elementType: 'decimal(9,3)', containsNull: true },
                nullable: true,
                metadata: {},
              },
            ],
          },
          nullable: true,
          metadata: {},
        },
        {
          name: 'attrs',
          type: { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true },
          nullable: true,
          metadata: {},
        },
      ],
    });
  });

  it('reports every type Delta cannot carry, with what to do', () => {
    const result = schemaOf([
      col('ok', 'int32'),
      col('u64', 'uint64'),
      col('h', 'int128'),
      col('ns', 'timestamp_ns'),
      col('t', 'time'),
      col('iv', 'interval'),
      col('id', 'uuid'),
      col('v', 'variant'),
      col('g', 'geometry'),
      col('huge', 'decimal(40,2)'),
      col('l', 'list', { columnId: 900 }),
      col('element', 'uuid', { columnId: 901, parentId: 900 }),
    ]);
    expect(result.problems.map((p) => p.column)).toEqual([
      'u64',
      'h',
      'ns',
      't',
      'iv',
      'id',
      'v',
      'g',
      'huge',
      'l.element',
    ]);
    expect(result.problems[0]!.message).toContain('cast the column to BIGINT');
    expect(result.problems[2]!.message).toContain('microsecond');
  });

  it('reports column names Delta rejects without column mapping, nested ones too, and case-insensitive duplicates', () => {
    const result = schemaOf([
      col('order date', 'int32'),
      col('a=b', 'int32'),
      col('fine_name', 'int32'),
      col('s', 'struct', { columnId: 700 }),
      col('x;y', 'int32', { columnId: 701, parentId: 700 }),
      col('X', 'int32', { columnId: 702, parentId: 700 }),
      col('x', 'int32', { columnId: 703, parentId: 700 }),
    ]);
    expect(result.problems.map((p) => `${p.column}: ${p.message}`)).toEqual([
      'order date: the name contains a space, which Delta tables without column mapping reject',
      "a=b: the name contains '=', which Delta tables without column mapping reject",
      "s: names 'X/x' differ only in case, which Delta forbids",
      "s.x;y: the name contains ';', which Delta tables without column mapping reject",
    ]);
  });

  it('builds the tree visible at a snapshot: dropped and future columns are left out', () => {
    const tree = columnTreeAt(
      [
        col('a', 'int32', { columnId: 1, beginSnapshot: 1 }),
        col('old', 'int32', { columnId: 2, beginSnapshot: 1, endSnapshot: 5 }),
        col('later', 'int32', { columnId: 3, beginSnapshot: 8 }),
      ],
      6,
    );
    expect(tree.map((c) => c.name)).toEqual(['a']);
  });
});
