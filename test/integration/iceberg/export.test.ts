import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import type { DeltaLogStore } from '../../../src/core/delta/logStore';
import { knownStates } from '../../../src/core/delta/report';
import { decodeAvroFile } from '../../../src/core/iceberg/avroFile';
import type { ManifestEntry, ManifestFile } from '../../../src/core/iceberg/avroSchemas';
import { tableReport, TestLake } from '../delta/helpers';
import { currentMetadataFile, readIceberg, readWithDuckDBIceberg, readWithPyIceberg } from './helpers';

const TYPES = `CREATE TABLE lake.main.t (
  id INTEGER, big BIGINT, small SMALLINT, s VARCHAR, d DOUBLE, f FLOAT, ok BOOLEAN, dt DATE,
  ts TIMESTAMP, tstz TIMESTAMPTZ, dec DECIMAL(12,3), bl BLOB,
  tags VARCHAR[], address STRUCT(street VARCHAR, zip INTEGER), attrs MAP(VARCHAR, INTEGER)
)`;

const ROWS = (from: number, to: number) => `INSERT INTO lake.main.t
  SELECT i, 9007199254740993 + i, (i * 7)::SMALLINT, 'row ' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3 END,
         i / 4, i % 2 = 0, DATE '2020-02-29' + i::INTEGER, TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i),
         TIMESTAMPTZ '2024-06-01 12:00:00.5+02' + to_seconds(i * 61), (i * 1.125)::DECIMAL(12,3) - 20,
         ('\\xAA\\x00' || i::VARCHAR)::BLOB, CASE WHEN i % 5 = 0 THEN NULL ELSE ['a' || i, NULL] END,
         {'street': 'Main ' || i, 'zip': 1000 + i}, MAP {'k' || (i % 3): i}
  FROM range(${from}, ${to}) r(i)`;

interface Metadata {
  'current-snapshot-id': number;
  'current-schema-id': number;
  'last-column-id': number;
  schemas: { 'schema-id': number; fields: { id: number; name: string }[] }[];
  snapshots: { 'snapshot-id': number; 'manifest-list': string; summary: Record<string, string> }[];
}

async function metadataOf(folder: string): Promise<Metadata> {
  return JSON.parse(await readFile(await currentMetadataFile(folder), 'utf8')) as Metadata;
}

async function manifestEntries(metadata: Metadata): Promise<ManifestEntry[]> {
  const snapshot = metadata.snapshots.find((s) => s['snapshot-id'] === metadata['current-snapshot-id'])!;
  const list = await decodeAvroFile<ManifestFile>(await readFile(snapshot['manifest-list']));
  const entries: ManifestEntry[] = [];
  for (const m of list.records)
    entries.push(...(await decodeAvroFile<ManifestEntry>(await readFile(m.manifest_path))).records);
  return entries;
}

describe('Iceberg export beside Delta: two Iceberg readers see exactly the DuckLake rows', () => {
  let lake: TestLake;
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  it('create and append: pyiceberg and DuckDB iceberg_scan read the DuckLake rows; manifests carry the catalog stats', async () => {
    const folder = join(lake.tablesRoot, 'main/t');
    await lake.sql(TYPES);
    await lake.sql(ROWS(0, 50));
    const first = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(first.status).toBe('created');
    expect(first.iceberg).toMatchObject({ status: 'created', version: 1, operation: 'append', adds: 1 });
    let read = await readIceberg(lake, 'main.t', folder);
    expect(read.expected.rows).toBe(50);
    expect(read.duckdb).toEqual(read.expected);
    expect(read.pyiceberg).toEqual(read.expected);

    // Field ids are DuckLake's column ids, which DuckLake also wrote into the Parquet files.
    const ids = await lake.catalog<{ column_id: bigint; column_name: string }>(
      `SELECT column_id, column_name FROM ducklake_column WHERE parent_column IS NULL ORDER BY column_order`,
    );
    const metadata = await metadataOf(folder);
    expect(metadata.schemas[0]!.fields.map((f) => [f.id, f.name])).toEqual(
      ids.map((c) => [Number(c.column_id), c.column_name]),
    );

    // Stats from ducklake_file_column_stats: counts and exact little-endian bounds.
    const [entry] = await manifestEntries(metadata);
    const idField = Number(ids.find((c) => c.column_name === 'id')!.column_id);
    const dField = Number(ids.find((c) => c.column_name === 'd')!.column_id);
    const fField = Number(ids.find((c) => c.column_name === 'f')!.column_id);
    const bigField = Number(ids.find((c) => c.column_name === 'big')!.column_id);
    const data = entry!.data_file;
    expect(entry!.status).toBe(1);
    expect(data.record_count).toBe(50);
    expect(data.value_counts!.find((e) => e.key === idField)!.value).toBe(50);
    expect(data.null_value_counts!.find((e) => e.key === dField)!.value).toBe(8);
    expect(Buffer.from(data.lower_bounds!.find((e) => e.key === idField)!.value).readInt32LE()).toBe(0);
    expect(Buffer.from(data.upper_bounds!.find((e) => e.key === idField)!.value).readInt32LE()).toBe(49);
    expect(Buffer.from(data.lower_bounds!.find((e) => e.key === bigField)!.value).readBigInt64LE()).toBe(
      9007199254740993n,
    );
    expect(data.lower_bounds!.some((e) => e.key === fField)).toBe(false); // FLOAT: no bounds, as in Delta

    await lake.sql(ROWS(50, 80));
    const second = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(second.iceberg).toMatchObject({ status: 'updated', version: 2, operation: 'append', adds: 1, removes: 0 });
    // An append proven from the catalog reads no manifest: newest metadata, hint and manifest list only.
    expect(second.iceberg!.requests).toMatchObject({ lists: 1, reads: 3, writes: 4 });
    read = await readIceberg(lake, 'main.t', folder);
    expect(read.expected.rows).toBe(80);
    expect(read.duckdb).toEqual(read.expected);
    expect(read.pyiceberg).toEqual(read.expected);
    expect(read.pyFiles).toBe(2);
    const after = await metadataOf(folder);
    expect(after.snapshots).toHaveLength(2);
    expect(after['current-snapshot-id']).toBe(second.iceberg!.snapshotId);

    // Nothing changed: no new version; with the last report's known states, not a single request.
    const again = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(again.iceberg).toMatchObject({ status: 'unchanged', version: 2 });
    const report = await lake.export({ iceberg: true, known: knownStates(await lake.export({ iceberg: true })) });
    expect(tableReport(report, 'main.t').iceberg).toMatchObject({ status: 'unchanged', version: 2 });
    expect(tableReport(report, 'main.t').iceberg!.requests.total).toBe(0);
    expect((await readdir(join(folder, 'metadata'))).filter((n) => n.endsWith('.metadata.json')).sort()).toEqual([
      'v1.metadata.json',
      'v2.metadata.json',
    ]);
  });

  it('delete + maintenance: the export waits for the rewrite, then an overwrite snapshot shows no deleted row', async () => {
    const folder = join(lake.tablesRoot, 'main/t');
    await lake.sql(TYPES);
    await lake.sql(ROWS(0, 40));
    await lake.sql(ROWS(40, 80));
    await lake.export({ iceberg: true });
    const before = await readIceberg(lake, 'main.t', folder);

    await lake.sql('DELETE FROM lake.main.t WHERE id % 3 = 0');
    const pending = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(pending.skipped?.code).toBe('delete-files');
    expect(pending.iceberg).toBeUndefined();
    // Readers still see the last exported version, whole.
    const stale = await readIceberg(lake, 'main.t', folder);
    expect(stale.duckdb).toEqual(before.expected);
    expect(stale.pyiceberg).toEqual(before.expected);

    await lake.sql(`CALL ducklake_rewrite_data_files('lake', 't', schema => 'main', delete_threshold => 0)`);
    const rewritten = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(rewritten.iceberg).toMatchObject({ status: 'updated', version: 2, operation: 'overwrite' });
    expect(rewritten.iceberg!.removes).toBeGreaterThan(0);
    const read = await readIceberg(lake, 'main.t', folder);
    expect(read.expected.rows).toBe(53);
    expect(read.duckdb).toEqual(read.expected);
    expect(read.pyiceberg).toEqual(read.expected);
  });

  it('compaction is a replace snapshot (no data change); readers see the same rows', async () => {
    const folder = join(lake.tablesRoot, 'main/t');
    await lake.sql(TYPES);
    for (let i = 0; i < 4; i++) await lake.sql(ROWS(i * 10, i * 10 + 10));
    const created = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(created.iceberg!.adds).toBe(4);
    await lake.sql(`CALL ducklake_merge_adjacent_files('lake')`);
    const merged = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(merged.iceberg).toMatchObject({ status: 'updated', operation: 'replace', adds: 1, removes: 4 });
    const read = await readIceberg(lake, 'main.t', folder);
    expect(read.expected.rows).toBe(40);
    expect(read.duckdb).toEqual(read.expected);
    expect(read.pyiceberg).toEqual(read.expected);
    expect(read.pyFiles).toBe(1);
    const metadata = await metadataOf(folder);
    const current = metadata.snapshots.at(-1)!;
    expect(current.summary).toMatchObject({ operation: 'replace', 'deleted-data-files': '4', 'added-data-files': '1' });
    // The removed files are marked deleted in a rewritten manifest, not silently dropped.
    const statuses = (await manifestEntries(metadata)).map((e) => e.status).sort();
    expect(statuses).toEqual([1, 2, 2, 2, 2]);
  });

  it('add-column: a new field id; old files read it as null in both readers', async () => {
    const folder = join(lake.tablesRoot, 'main/t');
    await lake.sql(TYPES);
    await lake.sql(ROWS(0, 20));
    await lake.export({ iceberg: true });
    await lake.sql('ALTER TABLE lake.main.t ADD COLUMN extra VARCHAR');
    await lake.sql(`INSERT INTO lake.main.t (id, s, extra) VALUES (100, 'late', 'x'), (101, NULL, 'y')`);
    const report = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(report.iceberg).toMatchObject({ status: 'updated', schemaChanged: true, operation: 'append' });
    const metadata = await metadataOf(folder);
    expect(metadata.schemas).toHaveLength(2);
    const [extra] = await lake.catalog<{ column_id: bigint }>(
      `SELECT column_id FROM ducklake_column WHERE column_name = 'extra'`,
    );
    const current = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id'])!;
    expect(current.fields.at(-1)).toMatchObject({ id: Number(extra!.column_id), name: 'extra' });
    expect(metadata['last-column-id']).toBeGreaterThanOrEqual(Number(extra!.column_id));
    const read = await readIceberg(lake, 'main.t', folder);
    expect(read.expected.rows).toBe(22);
    expect(read.duckdb).toEqual(read.expected);
    expect(read.pyiceberg).toEqual(read.expected);
  });

  it('a type Iceberg cannot hold skips only the Iceberg side, with what to change', async () => {
    await lake.sql('CREATE TABLE lake.main.ms (id INTEGER, seen TIMESTAMP_MS)');
    await lake.sql(`INSERT INTO lake.main.ms VALUES (1, TIMESTAMP '2024-01-01 00:00:00')`);
    const report = tableReport(await lake.export({ iceberg: true }), 'main.ms');
    expect(report.status).toBe('created');
    expect(report.iceberg?.status).toBe('skipped');
    expect(report.iceberg?.skipped?.code).toBe('unsupported-schema');
    expect(report.iceberg?.skipped?.message).toContain('seen: TIMESTAMP_MS');
  });

  it('a dropped DuckLake table becomes an empty Iceberg table (a delete snapshot), as in Delta', async () => {
    const folder = join(lake.tablesRoot, 'main/t');
    await lake.sql(TYPES);
    await lake.sql(ROWS(0, 10));
    await lake.export({ iceberg: true });
    await lake.sql('DROP TABLE lake.main.t');
    const report = await lake.export({ iceberg: true });
    const [gone] = report.dropped;
    expect(gone).toMatchObject({ name: 't', delta: 'emptied' });
    expect(gone!.iceberg).toMatchObject({ status: 'updated', version: 2, operation: 'delete', removes: 1 });
    const py = await readWithPyIceberg(await currentMetadataFile(folder));
    expect(py.rows).toBe(0);
    expect((await readWithDuckDBIceberg(folder)).rows).toBe(0);
    // Already empty: with the report's known states, no request at all.
    const again = await lake.export({ iceberg: true, known: knownStates(report) });
    expect(again.dropped[0]!.iceberg).toMatchObject({ status: 'unchanged', version: 2 });
    expect(again.requests.total).toBe(0);
  });

  it('two exporters racing for the same version: put-if-absent lets one win; the other re-reads and agrees', async () => {
    const folder = join(lake.tablesRoot, 'main/t');
    await lake.sql(TYPES);
    await lake.sql(ROWS(0, 10));
    await lake.export({ iceberg: true });
    await lake.sql(ROWS(10, 25));
    const inner = fsDeltaLogStore(lake.tablesRoot);
    let raced = false;
    const racing: DeltaLogStore = {
      ...inner,
      async putIfAbsent(path, bytes) {
        if (!raced && path.endsWith('metadata/v2.metadata.json')) {
          raced = true; // the other exporter commits v2 first
          const other = tableReport(await lake.export({ iceberg: true }), 'main.t');
          expect(other.iceberg).toMatchObject({ status: 'updated', version: 2 });
        }
        return inner.putIfAbsent(path, bytes);
      },
    };
    const loser = tableReport(await lake.export({ iceberg: true, store: racing }), 'main.t');
    expect(raced).toBe(true);
    expect(loser.iceberg).toMatchObject({ status: 'unchanged', version: 2 });
    const versions = (await readdir(join(folder, 'metadata'))).filter((n) => n.endsWith('.metadata.json'));
    expect(versions.sort()).toEqual(['v1.metadata.json', 'v2.metadata.json']);
    const read = await readIceberg(lake, 'main.t', folder);
    expect(read.duckdb).toEqual(read.expected);
    expect(read.pyiceberg).toEqual(read.expected);
  });

  it('with the setting off nothing Iceberg is written', async () => {
    await lake.sql(TYPES);
    await lake.sql(ROWS(0, 5));
    const report = tableReport(await lake.export(), 'main.t');
    expect(report.iceberg).toBeUndefined();
    expect(await readdir(join(lake.tablesRoot, 'main/t'))).not.toContain('metadata');
  });
});
