import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readWithDeltaRs, readWithDuckDBDelta, tableReport, TestLake } from './helpers';
import { SparkDeltaReader } from './sparkReader';

/**
 * Every exported table read back by three independent Delta readers —
 * delta-rs, DuckDB `delta` (delta-kernel-rs) and Apache Spark with
 * delta-spark (Fabric's engine family) — each content-identical to DuckLake,
 * after every kind of change the export handles. One Spark session serves the
 * whole file (it takes seconds to start).
 */
describe('Delta export read back by delta-rs, DuckDB delta and Spark', () => {
  let spark: SparkDeltaReader;
  let lake: TestLake;
  beforeAll(async () => {
    spark = await SparkDeltaReader.start();
  }, 300_000);
  afterAll(async () => {
    await spark?.stop();
  });
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  /** The three readers agree with the lake, at the expected version and file count. */
  async function expectThreeReaders(table: string, expected: { rows: number; version: number; files: number }) {
    const folder = join(lake.tablesRoot, table.replace('.', '/'));
    const lakeContent = await lake.lakeHash(table);
    expect(lakeContent.rows).toBe(expected.rows);
    // Three separate processes/engines: read at once.
    const [duckdb, deltaRs, sparkRead] = await Promise.all([
      readWithDuckDBDelta(folder),
      readWithDeltaRs(folder),
      spark.read(folder),
    ]);
    expect(duckdb, 'DuckDB delta').toEqual(lakeContent);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }, 'delta-rs').toEqual(lakeContent);
    expect({ rows: sparkRead.rows, hash: sparkRead.hash }, 'Spark').toEqual(lakeContent);
    expect([deltaRs.version, sparkRead.version]).toEqual([expected.version, expected.version]);
    expect([deltaRs.files, sparkRead.files]).toEqual([expected.files, expected.files]);
  }

  it('create, append, delete + maintenance, compaction, add column (with a checkpoint on the way)', async () => {
    await lake.sql(
      'CREATE TABLE lake.main.events (id BIGINT, kind VARCHAR, amount DECIMAL(12,2), happened_at TIMESTAMPTZ, day DATE)',
    );
    const rows = (from: number, to: number) =>
      `INSERT INTO lake.main.events SELECT i, 'k' || (i % 4), (i * 1.25)::DECIMAL(12,2),
         TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 37), DATE '2024-01-01' + (i % 300)::INTEGER
       FROM range(${from}, ${to}) r(i)`;
    const exportStep = async () => tableReport(await lake.export({ checkpointInterval: 4 }), 'main.events');

    // create
    await lake.sql(rows(0, 200));
    expect(await exportStep()).toMatchObject({ status: 'created', version: 0, adds: 1 });
    await expectThreeReaders('main.events', { rows: 200, version: 0, files: 1 });

    // append (two files)
    await lake.sql(rows(200, 260));
    await lake.sql(rows(260, 300));
    expect(await exportStep()).toMatchObject({ status: 'updated', version: 1, adds: 2, removes: 0 });
    await expectThreeReaders('main.events', { rows: 300, version: 1, files: 3 });

    // delete + maintenance (what publish does: flush inlined deletes, rewrite the files with deletes)
    await lake.sql('DELETE FROM lake.main.events WHERE id % 10 = 3');
    expect((await exportStep()).skipped?.code).toBe('delete-files');
    await lake.sql(`CALL ducklake_flush_inlined_data('lake', schema_name => 'main', table_name => 'events')`);
    await lake.sql(`CALL ducklake_rewrite_data_files('lake', 'events', schema => 'main', delete_threshold => 0)`);
    const afterDelete = await exportStep();
    expect(afterDelete).toMatchObject({ status: 'updated', version: 2, dataChange: true });
    expect(afterDelete.removes).toBeGreaterThan(0);
    await expectThreeReaders('main.events', {
      rows: 270,
      version: 2,
      files: afterDelete.adds + 3 - afterDelete.removes,
    });

    // append again, two more files
    const filesAfterDelete = afterDelete.adds + 3 - afterDelete.removes;
    await lake.sql(rows(300, 310));
    await lake.sql(rows(310, 320));
    expect(await exportStep()).toMatchObject({ status: 'updated', version: 3, adds: 2, removes: 0 });
    await expectThreeReaders('main.events', { rows: 290, version: 3, files: filesAfterDelete + 2 });

    // compaction: version 4 also writes a checkpoint, which every reader starts from
    await lake.sql(`CALL ducklake_merge_adjacent_files('lake')`);
    const compacted = await exportStep();
    expect(compacted).toMatchObject({ status: 'updated', version: 4, adds: 1, dataChange: false, checkpoint: 4 });
    expect(compacted.removes).toBe(filesAfterDelete + 2);
    await expectThreeReaders('main.events', { rows: 290, version: 4, files: 1 });

    // add column: older files read it as NULL
    await lake.sql('ALTER TABLE lake.main.events ADD COLUMN note VARCHAR');
    await lake.sql(
      `INSERT INTO lake.main.events SELECT 1000 + i, 'late', 1.5, NULL, DATE '2025-01-01', 'n' || i FROM range(5) r(i)`,
    );
    expect(await exportStep()).toMatchObject({ status: 'updated', version: 5, adds: 1, metadataChanged: true });
    await expectThreeReaders('main.events', { rows: 295, version: 5, files: 2 });
  }, 600_000);

  it('every supported type, identity partitions and an emptied table', async () => {
    await lake.sql(`CREATE TABLE lake.main.all_types (
      i8 TINYINT, i16 SMALLINT, i32 INTEGER, i64 BIGINT, u8 UTINYINT, u16 USMALLINT, u32 UINTEGER,
      dec DECIMAL(12,3), dec_wide DECIMAL(38,10), f FLOAT, d DOUBLE, s VARCHAR, b BOOLEAN, dt DATE,
      ts TIMESTAMP, tstz TIMESTAMPTZ, ts_ms TIMESTAMP_MS, bl BLOB, j JSON,
      tags VARCHAR[], address STRUCT(street VARCHAR, zip INTEGER, geo STRUCT(lat DOUBLE, lon DOUBLE)),
      attrs MAP(VARCHAR, INTEGER))`);
    await lake.sql(`INSERT INTO lake.main.all_types
      SELECT (i % 120)::TINYINT, (i * 7)::SMALLINT, i * 1000, 9007199254740993 + i, (200 + i % 50)::UTINYINT,
             (60000 + i)::USMALLINT, (4000000000 + i)::UINTEGER, (i * 1.125)::DECIMAL(12,3),
             (i * 12345678901.0123456789)::DECIMAL(38,10), i / 3, CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.1 END,
             'row ' || i, i % 2 = 0, DATE '2020-02-29' + (i::INTEGER), TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i),
             TIMESTAMPTZ '2024-06-01 12:00:00.5+02' + to_seconds(i * 61), (TIMESTAMP '2023-03-03 03:03:03.003' + to_seconds(i))::TIMESTAMP_MS,
             ('\\xAA\\x00\\xFF' || i::VARCHAR)::BLOB, ('{"k":' || i || '}')::JSON,
             CASE WHEN i % 5 = 0 THEN NULL ELSE ['a' || i, NULL, 'c'] END,
             {'street': 'Main ' || i, 'zip': 1000 + i, 'geo': {'lat': i / 7, 'lon': -i / 9}}, MAP {'k' || (i % 3): i}
      FROM range(40) r(i)`);
    await lake.sql('CREATE TABLE lake.main.sales (id INTEGER, region VARCHAR, amount DECIMAL(10,2))');
    await lake.sql('ALTER TABLE lake.main.sales SET PARTITIONED BY (region)');
    await lake.sql(
      `INSERT INTO lake.main.sales VALUES (1, 'eu/west', 10.50), (2, 'us 100%', 3.25), (3, NULL, 1.00), (4, 'eu/west', 7.75)`,
    );
    await lake.sql('CREATE TABLE lake.main.gone (id INTEGER)');
    await lake.sql('INSERT INTO lake.main.gone SELECT * FROM range(5)');

    const report = await lake.export();
    expect(tableReport(report, 'main.all_types').status).toBe('created');
    expect(tableReport(report, 'main.sales').status).toBe('created');
    await expectThreeReaders('main.all_types', { rows: 40, version: 0, files: 1 });
    await expectThreeReaders('main.sales', { rows: 4, version: 0, files: 3 });
    await expectThreeReaders('main.gone', { rows: 5, version: 0, files: 1 });

    await lake.sql('DELETE FROM lake.main.gone');
    expect(tableReport(await lake.export(), 'main.gone')).toMatchObject({ version: 1, removes: 1, adds: 0 });
    await expectThreeReaders('main.gone', { rows: 0, version: 1, files: 0 });
  }, 300_000);
});
