import { describe, expect, it } from 'vitest';
import { metaDataAction, type Action, type ExportMarker } from '../../../src/core/delta/actions';
import type { CatalogTable, SnapshotChange } from '../../../src/core/ducklake/catalogReader';
import { filesHash, metadataHash } from '../../../src/core/delta/fingerprint';
import { encodeDeltaPath } from '../../../src/core/delta/paths';
import { planCommit, type PreviousState } from '../../../src/core/delta/plan';
import type { TableTarget } from '../../../src/core/delta/tableState';

const table: CatalogTable = {
  tableId: 5,
  uuid: '01a21006-7453-7550-883e-6bbbc9495e52',
  name: 't',
  schemaName: 'main',
  tablePath: 't/',
  tablePathIsRelative: true,
  schemaPath: 'main/',
  schemaPathIsRelative: true,
  beginSnapshot: 1,
  endSnapshot: null,
};

function target(
  files: Record<string, number>,
  options: { schema?: string; partitionColumns?: string[] } = {},
): TableTarget {
  const metaData = metaDataAction({
    id: table.uuid!,
    schemaString: options.schema ?? '{"type":"struct","fields":[]}',
    partitionColumns: options.partitionColumns ?? [],
    createdTime: 1,
  });
  const map = new Map(
    Object.entries(files).map(([path, records], index) => [
      path,
      {
        relativePath: path,
        fileId: index,
        beginSnapshot: 1,
        recordCount: records,
        sizeBytes: 100,
        stats: new Map(),
        add: { path: encodeDeltaPath(path), partitionValues: {}, size: 100, modificationTime: 1, dataChange: true },
      },
    ]),
  );
  return {
    table,
    folder: 'main/t/',
    metaData,
    metadataHash: metadataHash(metaData),
    columns: [],
    files: map,
    numFiles: map.size,
    numRecords: Object.values(files).reduce((a, b) => a + b, 0),
    filesHash: filesHash(map.keys()),
    warnings: [],
    fillStats: () => Promise.resolve(),
    loadStats: () => Promise.resolve(),
  };
}

function previousOf(t: TableTarget, version: number, snapshotId = 10): PreviousState {
  const marker: ExportMarker = {
    snapshotId,
    tableId: table.tableId,
    tableUuid: table.uuid,
    numFiles: t.files.size,
    numRecords: t.numRecords,
    filesHash: t.filesHash,
    metadataHash: t.metadataHash,
    partitionColumns: t.metaData.partitionColumns,
  };
  return {
    version,
    files: new Map([...t.files.values()].map((f) => [f.relativePath, f.add.path])),
    metadataHash: t.metadataHash,
    partitionColumns: t.metaData.partitionColumns,
    marker,
  };
}

const ctx = (changes: [number, string][] = []) => ({
  snapshotId: 20,
  snapshotTimeMs: 1_700_000_000_000,
  changes: changes.map(([snapshotId, kind]): SnapshotChange => ({ snapshotId, kind, tableId: table.tableId })),
  now: 1_800_000_000_000,
});

const kinds = (actions: Action[]) => actions.map((a) => Object.keys(a)[0]);

describe('planCommit', () => {
  it('version 0: protocol, metaData, one add per file, commitInfo with the exported snapshot', () => {
    const plan = planCommit(undefined, target({ 'a.parquet': 10, 'b c.parquet': 5 }), ctx())!;
    expect(plan.version).toBe(0);
    expect(kinds(plan.actions)).toEqual(['protocol', 'metaData', 'add', 'add', 'commitInfo']);
    expect(plan.actions.filter((a) => 'add' in a).map((a) => ('add' in a ? a.add.path : ''))).toEqual([
      'a.parquet',
      'b%20c.parquet',
    ]);
    expect(plan.marker).toMatchObject({ snapshotId: 20, tableId: 5, numFiles: 2, numRecords: 15 });
  });

  it('nothing changed: no commit', () => {
    const t = target({ 'a.parquet': 10 });
    expect(planCommit(previousOf(t, 3), t, ctx([[15, 'inserted_into_table']]))).toBeUndefined();
  });

  it('new files only: adds with dataChange true, the next version, a blind append', () => {
    const before = target({ 'a.parquet': 10 });
    const plan = planCommit(
      previousOf(before, 3),
      target({ 'a.parquet': 10, 'b.parquet': 4 }),
      ctx([[15, 'inserted_into_table']]),
    )!;
    expect(plan).toMatchObject({ version: 4, adds: 1, removes: 0, dataChange: true, metadataChanged: false });
    expect(kinds(plan.actions)).toEqual(['add', 'commitInfo']);
    const info = plan.actions.find((a) => 'commitInfo' in a);
    expect(info && 'commitInfo' in info && info.commitInfo.isBlindAppend).toBe(true);
  });

  it('compaction only (same record count, merge_adjacent only): dataChange false on removes and adds', () => {
    const before = target({ 'a.parquet': 10, 'b.parquet': 5 });
    const plan = planCommit(previousOf(before, 1), target({ 'merged.parquet': 15 }), ctx([[12, 'merge_adjacent']]))!;
    expect(plan).toMatchObject({ adds: 1, removes: 2, dataChange: false });
    for (const action of plan.actions) {
      if ('add' in action) expect(action.add.dataChange).toBe(false);
      if ('remove' in action)
        expect(action.remove).toEqual({
          path: expect.any(String),
          deletionTimestamp: 1_700_000_000_000,
          dataChange: false,
        });
      if ('commitInfo' in action) expect(action.commitInfo.operation).toBe('OPTIMIZE');
    }
  });

  it('a compaction next to an insert, or with fewer rows, is a data change', () => {
    const before = previousOf(target({ 'a.parquet': 10, 'b.parquet': 5 }), 1);
    expect(
      planCommit(
        before,
        target({ 'merged.parquet': 20 }),
        ctx([
          [11, 'inserted_into_table'],
          [12, 'merge_adjacent'],
        ]),
      )!.dataChange,
    ).toBe(true);
    expect(planCommit(before, target({ 'merged.parquet': 14 }), ctx([[12, 'merge_adjacent']]))!.dataChange).toBe(true);
    expect(planCommit(before, target({ 'merged.parquet': 15 }), ctx([[12, 'rewrite_delete']]))!.dataChange).toBe(true);
    // No marker (log from another writer): we cannot tell, so it is a data change.
    expect(
      planCommit({ ...before, marker: undefined }, target({ 'merged.parquet': 15 }), ctx([[12, 'merge_adjacent']]))!
        .dataChange,
    ).toBe(true);
  });

  it('removes repeat the path exactly as the log wrote it', () => {
    const previous: PreviousState = {
      ...previousOf(target({ 'x y.parquet': 1 }), 0),
      files: new Map([['x y.parquet', 'x+y-as-written%20.parquet']]),
    };
    const plan = planCommit(previous, target({}), ctx([[11, 'deleted_from_table']]))!;
    const remove = plan.actions.find((a) => 'remove' in a);
    expect(remove && 'remove' in remove && remove.remove.path).toBe('x+y-as-written%20.parquet');
  });

  it('schema change: a new metaData action', () => {
    const before = target({ 'a.parquet': 1 });
    const after = target(
      { 'a.parquet': 1, 'b.parquet': 1 },
      { schema: '{"type":"struct","fields":[{"name":"n","type":"long","nullable":true,"metadata":{}}]}' },
    );
    const plan = planCommit(previousOf(before, 0), after, ctx([[11, 'altered_table']]))!;
    expect(plan.metadataChanged).toBe(true);
    expect(kinds(plan.actions)).toEqual(['metaData', 'add', 'commitInfo']);
  });

  it('new partition columns: files that stay are re-added with dataChange false', () => {
    const before = target({ 'a.parquet': 1 });
    const after = target({ 'a.parquet': 1, 'b.parquet': 1 }, { partitionColumns: ['region'] });
    const plan = planCommit(previousOf(before, 0), after, ctx())!;
    const adds = plan.actions.flatMap((a) => ('add' in a ? [a.add] : []));
    expect(adds.map((a) => [a.path, a.dataChange])).toEqual([
      ['b.parquet', true],
      ['a.parquet', false],
    ]);
  });

  it('upgrades a reader 1 / writer 1 log to writer 2', () => {
    const t = target({ 'a.parquet': 1 });
    const plan = planCommit({ ...previousOf(t, 0), protocol: { minReaderVersion: 1, minWriterVersion: 1 } }, t, ctx())!;
    expect(kinds(plan.actions)).toEqual(['protocol', 'commitInfo']);
  });
});
