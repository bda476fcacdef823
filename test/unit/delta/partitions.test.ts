import { describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogDataFile } from '../../../src/core/ducklake/catalogReader';
import { mapPartitioning } from '../../../src/core/delta/partitions';
import type { ColumnNode } from '../../../src/core/delta/schema';
import { schemaHazards } from '../../../src/core/delta/schemaHistory';

const node = (columnId: number, name: string, type: string, extra: Partial<ColumnNode> = {}): ColumnNode => ({
  columnId,
  name,
  type,
  nullable: true,
  initialDefault: null,
  beginSnapshot: 1,
  children: [],
  ...extra,
});

const file = (fileId: number, partitionId: number | null): CatalogDataFile => ({
  fileId,
  path: `f${fileId}.parquet`,
  pathIsRelative: true,
  format: 'parquet',
  recordCount: 1,
  sizeBytes: 1,
  beginSnapshot: 1,
  partitionId,
  encrypted: false,
  mappingId: null,
  beginTimeMs: 0,
});

const columns = [
  node(1, 'id', 'int32'),
  node(2, 'region', 'varchar'),
  node(3, 'day', 'date'),
  node(4, 'price', 'float64'),
];

describe('DuckLake partitions -> Delta partition columns', () => {
  it('maps identity keys with their values, NULL included', () => {
    const mapping = mapPartitioning(
      {
        partitionId: 7,
        keys: [
          { index: 0, columnId: 2, transform: 'identity' },
          { index: 1, columnId: 3, transform: 'identity' },
        ],
      },
      columns,
      [file(1, 7), file(2, 7)],
      new Map([
        [
          1,
          new Map<number, string | null>([
            [0, 'eu'],
            [1, '2024-01-01'],
          ]),
        ],
        [
          2,
          new Map<number, string | null>([
            [0, null],
            [1, '2024-01-02'],
          ]),
        ],
      ]),
    );
    expect(mapping.columns).toEqual(['region', 'day']);
    expect(mapping.values.get(1)).toEqual({ region: 'eu', day: '2024-01-01' });
    expect(mapping.values.get(2)).toEqual({ region: null, day: '2024-01-02' });
    expect(mapping.warnings).toEqual([]);
  });

  it('keeps identity keys next to transforms and warns about the transforms', () => {
    const mapping = mapPartitioning(
      {
        partitionId: 7,
        keys: [
          { index: 0, columnId: 2, transform: 'identity' },
          { index: 1, columnId: 3, transform: 'year' },
        ],
      },
      columns,
      [file(1, 7)],
      new Map([
        [
          1,
          new Map<number, string | null>([
            [0, 'eu'],
            [1, '2024'],
          ]),
        ],
      ]),
    );
    expect(mapping.columns).toEqual(['region']);
    expect(mapping.warnings[0]).toContain('year(day)');
  });

  it('exports unpartitioned when Delta could not say it exactly', () => {
    const spec = { partitionId: 7, keys: [{ index: 0, columnId: 2, transform: 'identity' }] };
    // An empty string reads back as NULL in Delta partition values.
    const empty = mapPartitioning(
      spec,
      columns,
      [file(1, 7)],
      new Map([[1, new Map<number, string | null>([[0, '']])]]),
    );
    expect(empty.columns).toEqual([]);
    expect(empty.values.get(1)).toEqual({});
    expect(empty.warnings[0]).toContain('empty string');
    // Files from an older spec.
    const mixed = mapPartitioning(
      spec,
      columns,
      [file(1, 7), file(2, null)],
      new Map([[1, new Map<number, string | null>([[0, 'eu']])]]),
    );
    expect(mixed.columns).toEqual([]);
    expect(mixed.warnings.join()).toContain('different partition specs');
    // A float partition value cannot round-trip as text reliably.
    const float = mapPartitioning(
      { partitionId: 7, keys: [{ index: 0, columnId: 4, transform: 'identity' }] },
      columns,
      [file(1, 7)],
      new Map([[1, new Map<number, string | null>([[0, '1.5']])]]),
    );
    expect(float.columns).toEqual([]);
  });
});

const history = (rows: Partial<CatalogColumn>[]): CatalogColumn[] =>
  rows.map((r) => ({
    columnId: 1,
    beginSnapshot: 1,
    endSnapshot: null,
    order: 1,
    name: 'a',
    type: 'int32',
    initialDefault: null,
    nullable: true,
    parentId: null,
    ...r,
  }));

describe('schema changes that break reading old files by name', () => {
  it('finds renames and type changes', () => {
    const rows = history([
      { columnId: 1, name: 'old', endSnapshot: 5 },
      { columnId: 1, name: 'new', beginSnapshot: 5 },
      { columnId: 2, name: 'n', type: 'int32', endSnapshot: 6 },
      { columnId: 2, name: 'n', type: 'int64', beginSnapshot: 6 },
    ]);
    const current = [node(1, 'new', 'int32', { beginSnapshot: 5 }), node(2, 'n', 'int64', { beginSnapshot: 6 })];
    expect(schemaHazards(rows, current, 1)).toEqual([
      { snapshot: 5, column: 'new', message: "was renamed from 'old'" },
      { snapshot: 6, column: 'n', message: 'changed type from int32 to int64' },
    ]);
  });

  it('finds added columns with defaults and re-used names, but not a plain ADD COLUMN', () => {
    const rows = history([
      { columnId: 1, name: 'a' },
      { columnId: 2, name: 'gone', endSnapshot: 4 },
      { columnId: 3, name: 'GONE', beginSnapshot: 6 },
      { columnId: 4, name: 'flag', beginSnapshot: 7, initialDefault: '7' },
      { columnId: 5, name: 'plain', beginSnapshot: 8 },
    ]);
    const current = [
      node(1, 'a', 'int32'),
      node(3, 'GONE', 'int32', { beginSnapshot: 6 }),
      node(4, 'flag', 'int32', { beginSnapshot: 7, initialDefault: '7' }),
      node(5, 'plain', 'int32', { beginSnapshot: 8 }),
    ];
    expect(schemaHazards(rows, current, 1).map((h) => [h.column, h.snapshot])).toEqual([
      ['GONE', 6],
      ['flag', 7],
    ]);
  });
});
