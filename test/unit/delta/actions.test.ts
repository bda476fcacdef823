import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  commitInfoAction,
  metaDataAction,
  parseCommit,
  PROTOCOL,
  removeAction,
  serializeCommit,
  type ExportMarker,
} from '../../../src/core/delta/actions';
import { parseChanges } from '../../../src/core/ducklake/catalogReader';
import {
  deltaTableId,
  filesHash,
  filesHashUpdate,
  metadataHash,
  nameBasedUuid,
} from '../../../src/core/delta/fingerprint';

const marker: ExportMarker = {
  snapshotId: 42,
  tableId: 3,
  tableUuid: '01a21006-7453-7550-883e-6bbbc9495e52',
  numFiles: 1,
  numRecords: 10,
  filesHash: 'f'.repeat(64),
  metadataHash: 'm'.repeat(64),
  partitionColumns: [],
};

describe('Delta actions', () => {
  it('builds the protocol and metaData actions readers expect', () => {
    expect(PROTOCOL).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(
      metaDataAction({
        id: 'id-1',
        schemaString: '{"type":"struct","fields":[]}',
        partitionColumns: ['region'],
        createdTime: 1700000000000,
      }),
    ).toEqual({
      id: 'id-1',
      format: { provider: 'parquet', options: {} },
      schemaString: '{"type":"struct","fields":[]}',
      partitionColumns: ['region'],
      // Keeps a Fabric VACUUM away from Parquet files DuckLake still references (docs/DELTA.md).
      configuration: {
        'delta.deletedFileRetentionDuration': 'interval 3650 days',
        'delta.logRetentionDuration': 'interval 3650 days',
      },
      createdTime: 1700000000000,
    });
  });

  it('writes remove with extended metadata only when it has all of it', () => {
    expect(removeAction({ path: 'a.parquet', deletionTimestamp: 5, dataChange: false })).toEqual({
      path: 'a.parquet',
      deletionTimestamp: 5,
      dataChange: false,
    });
    expect(
      removeAction({
        path: 'a.parquet',
        deletionTimestamp: 5,
        dataChange: true,
        size: 10,
        partitionValues: { r: null },
      }),
    ).toEqual({
      path: 'a.parquet',
      deletionTimestamp: 5,
      dataChange: true,
      extendedFileMetadata: true,
      partitionValues: { r: null },
      size: 10,
    });
  });

  it('records the exported DuckLake snapshot in commitInfo, with string-valued Spark fields', () => {
    const info = commitInfoAction({ timestamp: 9, dataChange: false, blindAppend: false, adds: 1, removes: 3, marker });
    expect(info).toEqual({
      timestamp: 9,
      operation: 'OPTIMIZE',
      operationParameters: { source: 'ducklake', ducklakeSnapshotId: '42' },
      operationMetrics: { numAddedFiles: '1', numRemovedFiles: '3' },
      isBlindAppend: false,
      engineInfo: expect.stringContaining('lakehouse-dev'),
      ducklakeExport: marker,
    });
  });

  it('serialises one action per line, commitInfo first, newline-terminated, and parses it back', () => {
    const text = serializeCommit([
      {
        add: {
          path: 'b.parquet',
          partitionValues: {},
          size: 1,
          modificationTime: 2,
          dataChange: true,
          stats: '{"numRecords":1}',
        },
      },
      { remove: { path: 'a%20b.parquet', deletionTimestamp: 3, dataChange: true } },
      {
        commitInfo: commitInfoAction({
          timestamp: 4,
          dataChange: true,
          blindAppend: false,
          adds: 1,
          removes: 1,
          marker,
        }),
      },
      { metaData: metaDataAction({ id: 'x', schemaString: '{}', partitionColumns: [], createdTime: 1 }) },
      { protocol: PROTOCOL },
    ]);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => Object.keys(JSON.parse(l))[0])).toEqual([
      'commitInfo',
      'protocol',
      'metaData',
      'remove',
      'add',
    ]);
    const parsed = parseCommit(text);
    expect(parsed.adds).toEqual([{ path: 'b.parquet' }]);
    expect(parsed.removes).toEqual([{ path: 'a%20b.parquet' }]);
    expect(parsed.protocol).toEqual(PROTOCOL);
    expect(parsed.marker).toEqual(marker);
    // A commit from another writer has no marker.
    expect(parseCommit('{"commitInfo":{"operation":"WRITE"}}\n').marker).toBeUndefined();
  });
});

describe('table identity and fingerprints', () => {
  it('uses the DuckLake table uuid, or a stable name-based uuid', () => {
    expect(deltaTableId({ uuid: '01A21006-7453-7550-883E-6BBBC9495E52', tableId: 1 }, '/d/')).toBe(
      '01a21006-7453-7550-883e-6bbbc9495e52',
    );
    const derived = deltaTableId({ uuid: null, tableId: 7 }, 'abfss://x/Tables/');
    expect(derived).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deltaTableId({ uuid: 'not-a-uuid', tableId: 7 }, 'abfss://x/Tables/')).toBe(derived);
    expect(nameBasedUuid('a')).not.toBe(nameBasedUuid('b'));
  });

  it('fingerprints file sets regardless of order and metadata regardless of createdTime', () => {
    expect(filesHash(['b', 'a'])).toBe(filesHash(['a', 'b']));
    expect(filesHash(['a'])).not.toBe(filesHash(['a', 'b']));
    const meta = metaDataAction({ id: 'x', schemaString: '{}', partitionColumns: [], createdTime: 1 });
    const later = { ...meta, createdTime: 2 };
    expect(metadataHash(meta)).toBe(metadataHash(later));
    expect(metadataHash(meta)).not.toBe(metadataHash({ ...meta, partitionColumns: ['p'] }));
  });

  it('updates a file-set hash from what was added and removed to the hash of the new set', () => {
    const before = filesHash(['p=1/a.parquet', 'p=2/b.parquet', 'p=3/c.parquet']);
    const after = filesHashUpdate(before, ['p=4/d.parquet', 'p=5/e.parquet'], ['p=2/b.parquet']);
    expect(after).toBe(filesHash(['p=5/e.parquet', 'p=1/a.parquet', 'p=3/c.parquet', 'p=4/d.parquet']));
    expect(after).not.toBe(filesHash(['p=1/a.parquet', 'p=2/b.parquet', 'p=3/c.parquet', 'p=4/d.parquet']));
    expect(filesHashUpdate(after, ['p=2/b.parquet'], ['p=4/d.parquet', 'p=5/e.parquet'])).toBe(before);
    expect(filesHash([])).toMatch(/^s1:0{64}$/);
    // A sorted-list hash of format 1 is not updated as if it were a set hash.
    expect(() => filesHashUpdate('f'.repeat(64), ['x'], [])).toThrow(/not a file-set hash/);
  });

  it('is the sum mod 2^256 of the paths sha256s, as markers already written hold it', () => {
    // The definition, in BigInt: what exports before the word-wise sum wrote into their markers.
    const reference = (added: string[], removed: string[], start = 0n) => {
      let sum = start;
      const digest = (p: string) => BigInt(`0x${createHash('sha256').update(p).digest('hex')}`);
      for (const p of added) sum += digest(p);
      for (const p of removed) sum -= digest(p);
      return `s1:${BigInt.asUintN(256, sum).toString(16).padStart(64, '0')}`;
    };
    const paths = Array.from({ length: 500 }, (_, i) => `p=${i % 7}/ducklake-${i}-é.parquet`);
    expect(filesHash(paths)).toBe(reference(paths, []));
    // Taking out more than was put in wraps below zero, and back.
    const wrapped = filesHashUpdate(filesHash(['a']), [], ['b', 'c']);
    expect(wrapped).toBe(reference(['a'], ['b', 'c']));
    expect(filesHashUpdate(wrapped, ['b', 'c'], [])).toBe(filesHash(['a']));
    expect(filesHashUpdate(filesHash(paths), ['x'], paths.slice(0, 250))).toBe(
      reference([...paths.slice(250), 'x'], []),
    );
  });
});

describe('ducklake_snapshot_changes parsing', () => {
  it('splits entries outside quotes and reads table ids', () => {
    expect(parseChanges(10, 'dropped_table:2,created_table:"main"."a,b",inserted_into_table:3')).toEqual([
      { snapshotId: 10, kind: 'dropped_table', tableId: 2 },
      { snapshotId: 10, kind: 'created_table', tableId: undefined },
      { snapshotId: 10, kind: 'inserted_into_table', tableId: 3 },
    ]);
    expect(parseChanges(1, '')).toEqual([]);
  });
});
