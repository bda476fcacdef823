import { describe, expect, it } from 'vitest';
import { inspectTable, listFolderLevel, tableOrigin } from '../../../src/core/browse/tableKinds';
import { FLAVORS, freshLakehouse } from '../support/lakehouse';

const marker = (snapshotId: number) => ({
  snapshotId,
  tableId: 1,
  tableUuid: null,
  numFiles: 1,
  numRecords: 1,
  filesHash: 'h',
  metadataHash: 'h',
  partitionColumns: [],
});
const commit = (actions: object[]) => Buffer.from(actions.map((a) => JSON.stringify(a)).join('\n'));

describe.each(FLAVORS)('what storage says a table folder holds (%s)', (flavor) => {
  it('tells DuckLake files, a Delta log, both, and the last exported version apart', async () => {
    const { store } = await freshLakehouse({ flavor });
    const put = (path: string, body: Buffer | string) => store.blob(path).uploadData(Buffer.from(body));
    await put('Tables/main/only_ducklake/ducklake-01.parquet', 'PAR1');
    await put('Tables/main/partitioned/year=2026/ducklake-02.parquet', 'PAR1');
    await put('Tables/main/spark/part-0000.snappy.parquet', 'PAR1');
    await put(
      'Tables/main/spark/_delta_log/00000000000000000000.json',
      commit([{ commitInfo: { operation: 'WRITE' } }]),
    );
    await put('Tables/main/exported/ducklake-03.parquet', 'PAR1');
    for (const [version, snapshot] of [
      [0, 2],
      [1, 5],
      [2, 9],
    ] as const) {
      await put(
        `Tables/main/exported/_delta_log/0000000000000000000${version}.json`,
        commit([{ commitInfo: { operation: 'WRITE', ducklakeExport: marker(snapshot) } }]),
      );
    }

    const only = await inspectTable(store, 'main', 'only_ducklake');
    expect([tableOrigin(only), only.deltaVersion]).toEqual(['ducklake', undefined]);
    expect(tableOrigin(await inspectTable(store, 'main', 'partitioned'))).toBe('ducklake');
    const spark = await inspectTable(store, 'main', 'spark');
    expect([tableOrigin(spark), spark.deltaVersion, spark.exportedSnapshot]).toEqual(['delta', 0, undefined]);
    const exported = await inspectTable(store, 'main', 'exported');
    expect([tableOrigin(exported), exported.deltaVersion, exported.exportedSnapshot]).toEqual(['both', 2, 9]);
    expect(tableOrigin(await inspectTable(store, 'main', 'missing'))).toBe('empty');
  });

  it('lists one folder level at a time: folders first, then files with their size', async () => {
    const { store } = await freshLakehouse({ flavor });
    await store.blob('Files/raw/2026/a.csv').uploadData(Buffer.from('a,b\n'));
    await store.blob('Files/readme.txt').uploadData(Buffer.from('hello'));
    await store.blob('Files/metadata.db').uploadData(Buffer.from('SQLite'));
    const top = await listFolderLevel(store, 'Files');
    expect(top.map((e) => [e.kind, e.name, e.size])).toEqual([
      ['folder', 'raw', undefined],
      ['file', 'metadata.db', 6],
      ['file', 'readme.txt', 5],
    ]);
    expect((await listFolderLevel(store, 'Files/raw')).map((e) => e.name)).toEqual(['2026']);
  });
});
