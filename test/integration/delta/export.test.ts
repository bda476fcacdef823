import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logFiles, readAll, tableReport, TestLake } from './helpers';

const ALL_TYPES = `CREATE TABLE lake.main.all_types (
  i8 TINYINT, i16 SMALLINT, i32 INTEGER, i64 BIGINT, u8 UTINYINT, u16 USMALLINT, u32 UINTEGER,
  dec DECIMAL(12,3), dec_wide DECIMAL(38,10), f FLOAT, d DOUBLE, s VARCHAR, b BOOLEAN, dt DATE,
  ts TIMESTAMP, tstz TIMESTAMPTZ, ts_ms TIMESTAMP_MS, bl BLOB, j JSON,
  tags VARCHAR[], nums INTEGER[], address STRUCT(street VARCHAR, zip INTEGER, geo STRUCT(lat DOUBLE, lon DOUBLE)),
  attrs MAP(VARCHAR, INTEGER)
)`;

const ALL_TYPES_ROWS = (from: number, to: number) => `INSERT INTO lake.main.all_types
  SELECT (i % 120)::TINYINT, (i * 7)::SMALLINT, i * 1000, 9007199254740993 + i, (200 + i % 50)::UTINYINT, (60000 + i)::USMALLINT,
         (4000000000 + i)::UINTEGER, (i * 1.125)::DECIMAL(12,3), (i * 12345678901.0123456789)::DECIMAL(38,10),
         i / 3, CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.1 END, 'row ' || i || repeat('x', i % 40), i % 2 = 0,
         DATE '2020-02-29' + (i::INTEGER), TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i),
         TIMESTAMPTZ '2024-06-01 12:00:00.5+02' + to_seconds(i * 61), (TIMESTAMP '2023-03-03 03:03:03.003' + to_seconds(i))::TIMESTAMP_MS,
         ('\\xAA\\x00\\xFF' || i::VARCHAR)::BLOB, ('{"k":' || i || '}')::JSON,
         CASE WHEN i % 5 = 0 THEN NULL ELSE ['a' || i, NULL, 'c'] END, [i, i + 1], 
         {'street': 'Main ' || i, 'zip': 1000 + i, 'geo': {'lat': i / 7, 'lon': -i / 9}},
         MAP {'k' || (i % 3): i}
  FROM range(${from}, ${to}) r(i)`;

describe('Delta export of a real DuckLake', () => {
  let lake: TestLake;
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  it('exports every supported type; DuckDB delta and delta-rs read exactly the DuckLake rows', async () => {
    await lake.sql(ALL_TYPES);
    await lake.sql(ALL_TYPES_ROWS(0, 60));
    await lake.sql(ALL_TYPES_ROWS(60, 75));

    const report = await lake.export();
    const t = tableReport(report, 'main.all_types');
    expect(t.status).toBe('created');
    expect(t.version).toBe(0);
    expect(t.adds).toBe(2);
    expect(t.folder).toBe('main/all_types/');
    expect(t.warnings.some((w) => w.startsWith('ts:'))).toBe(true);

    const folder = join(lake.tablesRoot, 'main/all_types');
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.all_types', folder);
    expect(expected.rows).toBe(75);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
    expect(deltaRs.version).toBe(0);
    expect(deltaRs.files).toBe(2);

    const [commit] = await logFiles(folder);
    expect(commit).toBe('00000000000000000000.json');
    const lines = (await readFile(join(folder, '_delta_log', commit!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(Object.keys(lines[0])).toEqual(['commitInfo']);
    expect(lines[0].commitInfo.ducklakeExport.snapshotId).toBe(report.snapshotId);
    expect(lines[1]).toEqual({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    const [uuid] = await lake.catalog<{ table_uuid: string }>(
      `SELECT table_uuid FROM ducklake_table WHERE table_name = 'all_types'`,
    );
    expect(lines[2].metaData.id).toBe(uuid!.table_uuid);

    // Stats: exact BIGINT literals, no FLOAT bounds, ISO timestamps, min/max only where safe.
    const addLine = (await readFile(join(folder, '_delta_log', commit!), 'utf8'))
      .split('\n')
      .find((l) => l.includes('"numRecords\\":60'))!;
    const stats = JSON.parse(JSON.parse(addLine).add.stats);
    expect(addLine).toContain('\\"i64\\":9007199254740993');
    expect(stats.numRecords).toBe(60);
    expect(stats.minValues.i32).toBe(0);
    expect(stats.maxValues.i32).toBe(59000);
    expect(stats.minValues.f).toBeUndefined();
    expect(stats.nullCount.d).toBe(6);
    expect(stats.minValues.ts).toBe('2024-01-01T10:00:00.123Z');
    expect(stats.maxValues.ts).toBe('2024-01-01T10:00:59.124Z');
    expect(stats.minValues.address.zip).toBe(1000);
    expect(stats.minValues.tags).toBeUndefined();
    expect(stats.minValues.dec).toBe(0);
    expect(stats.minValues.dec_wide).toBeUndefined();
  });

  it('writes an adds-only commit for new inserts and nothing when nothing changed', async () => {
    await lake.sql('CREATE TABLE lake.main.events (id BIGINT, kind VARCHAR, happened_at TIMESTAMPTZ)');
    await lake.sql(
      `INSERT INTO lake.main.events SELECT i, 'k' || (i % 4), TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) FROM range(100) r(i)`,
    );
    const first = tableReport(await lake.export(), 'main.events');
    expect(first.version).toBe(0);

    await lake.sql(`INSERT INTO lake.main.events SELECT i, 'new', NULL FROM range(100, 130) r(i)`);
    const second = tableReport(await lake.export({}), 'main.events');
    expect(second).toMatchObject({
      status: 'updated',
      version: 1,
      adds: 1,
      removes: 0,
      metadataChanged: false,
      dataChange: true,
    });

    const folder = join(lake.tablesRoot, 'main/events');
    const commit = (await readFile(join(folder, '_delta_log/00000000000000000001.json'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(commit.map((a) => Object.keys(a)[0])).toEqual(['commitInfo', 'add']);
    expect(commit[0].commitInfo.isBlindAppend).toBe(true);

    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.events', folder);
    expect(expected.rows).toBe(130);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
    expect(deltaRs.version).toBe(1);

    const third = tableReport(await lake.export(), 'main.events');
    expect(third).toMatchObject({ status: 'unchanged', version: 1 });
    expect(await logFiles(folder)).toEqual(['00000000000000000000.json', '00000000000000000001.json']);
  });

  it('writes a new metaData on ADD COLUMN; older files read the new column as NULL', async () => {
    await lake.sql('CREATE TABLE lake.main.people (id INTEGER, name VARCHAR)');
    await lake.sql(`INSERT INTO lake.main.people VALUES (1, 'ada'), (2, 'bob')`);
    await lake.export();
    await lake.sql('ALTER TABLE lake.main.people ADD COLUMN email VARCHAR');
    await lake.sql(`INSERT INTO lake.main.people VALUES (3, 'cy', 'cy@example.com')`);

    const t = tableReport(await lake.export(), 'main.people');
    expect(t).toMatchObject({ status: 'updated', version: 1, adds: 1, removes: 0, metadataChanged: true });
    const folder = join(lake.tablesRoot, 'main/people');
    const commit = (await readFile(join(folder, '_delta_log/00000000000000000001.json'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const meta = commit.find((a) => a.metaData)!.metaData;
    expect(JSON.parse(meta.schemaString).fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name', 'email']);

    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.people', folder);
    expect(expected.rows).toBe(3);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
    const nulls = await lake.all<{ n: bigint }>('SELECT count(*) AS n FROM lake.main.people WHERE email IS NULL');
    expect(Number(nulls[0]!.n)).toBe(2);
  });

  it('maps identity partitions to Delta partition columns (values with / and %, NULL) and keeps transforms unpartitioned', async () => {
    await lake.sql('CREATE TABLE lake.main.sales (id INTEGER, region VARCHAR, day DATE, amount DECIMAL(10,2))');
    await lake.sql('ALTER TABLE lake.main.sales SET PARTITIONED BY (region)');
    await lake.sql(`INSERT INTO lake.main.sales VALUES (1, 'eu/west', '2024-01-01', 10.50), (2, 'us 100%', '2024-02-01', 3.25),
                    (3, NULL, '2024-03-01', 1.00), (4, 'eu/west', '2024-04-01', 7.75)`);
    await lake.sql('CREATE TABLE lake.main.by_year (id INTEGER, day DATE)');
    await lake.sql('ALTER TABLE lake.main.by_year SET PARTITIONED BY (year(day))');
    await lake.sql(
      `INSERT INTO lake.main.by_year SELECT i, DATE '2020-01-01' + (i * 200)::INTEGER FROM range(10) r(i)`,
    );

    const report = await lake.export();
    const sales = tableReport(report, 'main.sales');
    expect(sales.status).toBe('created');
    const folder = join(lake.tablesRoot, 'main/sales');
    const lines = (await readFile(join(folder, '_delta_log/00000000000000000000.json'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((a) => a.metaData).metaData.partitionColumns).toEqual(['region']);
    const adds = lines.filter((a) => a.add).map((a) => a.add);
    expect(adds.map((a) => a.partitionValues.region).sort()).toEqual([null, 'eu/west', 'us 100%'].sort());
    expect(adds.find((a) => a.partitionValues.region === 'us 100%').path).toMatch(/^region=us%2520100%2525\//);

    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.sales', folder);
    expect(expected.rows).toBe(4);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);

    // A checkpoint of a partitioned table (NULL partition values in its map) reads back too.
    await lake.sql(`INSERT INTO lake.main.sales VALUES (5, NULL, '2024-05-01', 2.00), (6, 'apac', '2024-06-01', 9.99)`);
    const next = tableReport(await lake.export({ checkpointInterval: 1 }), 'main.sales');
    expect(next).toMatchObject({ version: 1, adds: 2, checkpoint: 1 });
    const again = await readAll(lake, 'main.sales', folder);
    expect(again.expected.rows).toBe(6);
    expect(again.duckdb).toEqual(again.expected);
    expect({ rows: again.deltaRs.rows, hash: again.deltaRs.hash }).toEqual(again.expected);

    const byYear = tableReport(report, 'main.by_year');
    expect(byYear.status).toBe('created');
    expect(byYear.warnings.join(' ')).toMatch(/year\(day\)/);
    const yearFolder = join(lake.tablesRoot, 'main/by_year');
    const yearRead = await readAll(lake, 'main.by_year', yearFolder);
    expect(yearRead.duckdb).toEqual(yearRead.expected);
    expect({ rows: yearRead.deltaRs.rows, hash: yearRead.deltaRs.hash }).toEqual(yearRead.expected);
  });

  it('exports an empty table, and DELETE of every row as removes of every file', async () => {
    await lake.sql('CREATE TABLE lake.main.empty (id INTEGER, v VARCHAR)');
    expect(tableReport(await lake.export(), 'main.empty')).toMatchObject({ status: 'created', version: 0, adds: 0 });
    const folder = join(lake.tablesRoot, 'main/empty');
    let read = await readAll(lake, 'main.empty', folder);
    expect(read.expected.rows).toBe(0);
    expect(read.duckdb).toEqual(read.expected);
    expect({ rows: read.deltaRs.rows, hash: read.deltaRs.hash }).toEqual(read.expected);

    await lake.sql(`INSERT INTO lake.main.empty SELECT x, 'v' FROM range(5) r(x)`);
    await lake.sql(`INSERT INTO lake.main.empty SELECT x, 'w' FROM range(5, 9) r(x)`);
    expect(tableReport(await lake.export(), 'main.empty')).toMatchObject({ version: 1, adds: 2 });
    // DuckLake ends the files instead of writing delete files when every row goes.
    await lake.sql('DELETE FROM lake.main.empty');
    expect(tableReport(await lake.export(), 'main.empty')).toMatchObject({
      version: 2,
      adds: 0,
      removes: 2,
      dataChange: true,
    });
    read = await readAll(lake, 'main.empty', folder);
    expect(read.expected.rows).toBe(0);
    expect(read.duckdb).toEqual(read.expected);
    expect({ rows: read.deltaRs.rows, hash: read.deltaRs.hash }).toEqual(read.expected);
    expect(read.deltaRs.files).toBe(0);
  });
});
