import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { checkReadiness, type ReadinessReport, type Sku } from '../../../src/core/readiness';
import { FooterCache } from '../../../src/core/readiness/footerCache';
import { TestLake } from '../delta/helpers';

const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;

async function check(lake: TestLake, sku: Sku = 'F2', footerCache?: FooterCache): Promise<ReadinessReport> {
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  try {
    return await checkReadiness({
      session,
      catalogPath: lake.catalogPath,
      dataFile: (path) => join(lake.tablesRoot, path),
      sku,
      footerCache,
    });
  } finally {
    session.close();
  }
}

const codesOf = (report: ReadinessReport, table: string) =>
  report.findings
    .filter((f) => f.table === `main.${table}`)
    .map((f) => f.code)
    .sort();
const findingOf = (report: ReadinessReport, table: string, code: string) => {
  const found = report.findings.find((f) => f.table === `main.${table}` && f.code === code);
  if (!found) throw new Error(`no ${code} for ${table}: ${JSON.stringify(report.findings)}`);
  return found;
};

describe('Fabric readiness check (real DuckLake catalog, Parquet footers)', () => {
  let lake: TestLake;
  let report: ReadinessReport;

  beforeAll(async () => {
    lake = await TestLake.create();
    await lake.sql(
      `CREATE TABLE clean (id INTEGER, name VARCHAR, amount DOUBLE, ts TIMESTAMPTZ, d DATE, price DECIMAL(10,2))`,
    );
    await lake.sql(
      `INSERT INTO clean SELECT i, 'n' || i, i / 3, TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i) SECOND, DATE '2026-01-01', i FROM range(1000) t(i)`,
    );
    await lake.sql(`CREATE TABLE bin (id INTEGER, payload BLOB); INSERT INTO bin VALUES (1, '\\xAA'::BLOB)`);
    await lake.sql(`CREATE TABLE nested (id INTEGER, tags VARCHAR[]); INSERT INTO nested VALUES (1, ['a', 'b'])`);
    await lake.sql(`CREATE TABLE guid (id UUID); INSERT INTO guid VALUES (uuid())`);
    await lake.sql(`CREATE TABLE ntz (ts TIMESTAMP); INSERT INTO ntz VALUES (TIMESTAMP '2026-01-01 12:00:00')`);
    await lake.sql(`CREATE TABLE huge (n HUGEINT); INSERT INTO huge VALUES (1)`);
    await lake.sql(`CREATE TABLE longtext (id INTEGER, body VARCHAR)`);
    // The long value sits between a short min and max, so only the footer pre-filter plus a scan can find it.
    await lake.sql(`INSERT INTO longtext VALUES (1, 'a'), (2, 'm' || repeat('x', 40000)), (3, 'z')`);
    await lake.sql(`CREATE TABLE nan (v DOUBLE); INSERT INTO nan VALUES (1.5), ('NaN'::DOUBLE), (2.5)`);
    await lake.sql(`CREATE TABLE smallgroups (id BIGINT); INSERT INTO smallgroups SELECT i FROM range(300000) t(i)`);
    // One INSERT into 1,001 partitions writes 1,001 files: over F2's 1,000 files and row groups.
    await lake.sql(`CREATE TABLE manyfiles (k INTEGER, v INTEGER); ALTER TABLE manyfiles SET PARTITIONED BY (k)`);
    await lake.sql(`INSERT INTO manyfiles SELECT i, i FROM range(1001) t(i)`);
    await lake.sql(`CREATE TABLE deletes (id INTEGER); INSERT INTO deletes SELECT i FROM range(10) t(i)`);
    await lake.sql(`DELETE FROM deletes WHERE id = 3`);
    await lake.sql(`CREATE TABLE renamed (id INTEGER, old_name VARCHAR); INSERT INTO renamed VALUES (1, 'a')`);
    await lake.sql(`ALTER TABLE renamed RENAME COLUMN old_name TO new_name`);
    await lake.sql(`CREATE TABLE missing (id INTEGER); INSERT INTO missing VALUES (1)`);
    const [file] = await lake.catalog<{ path: string }>(
      `SELECT f.path FROM ducklake_data_file f JOIN ducklake_table t USING (table_id) WHERE t.table_name = 'missing'`,
    );
    await rm(join(lake.tablesRoot, 'main', 'missing', file!.path));
    report = await check(lake);
  }, 240_000);

  afterAll(async () => {
    await lake?.close();
  });

  it('finds the same with a footer cache, cold and warm (read back from its file), as without one', async () => {
    const file = join(lake.dir, 'footers.json');
    const cold = FooterCache.load(file);
    expect(await check(lake, 'F2', cold)).toEqual(report);
    await cold.save();
    expect(await check(lake, 'F2', FooterCache.load(file))).toEqual(report);
  });

  it('reports nothing for a clean table', () => {
    expect(report.tables).toContain('main.clean');
    expect(codesOf(report, 'clean')).toEqual([]);
  });

  it('reports a BLOB column as binary, with what to change', () => {
    expect(codesOf(report, 'bin')).toEqual(['binary-column']);
    const f = findingOf(report, 'bin', 'binary-column');
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/column payload is BLOB/);
    expect(f.fix).toMatch(/to_base64\("payload"\)/);
  });

  it('reports a LIST column as complex', () => {
    expect(codesOf(report, 'nested')).toEqual(['complex-column']);
    expect(findingOf(report, 'nested', 'complex-column').message).toMatch(/column tags is LIST/);
  });

  it('reports a UUID column as GUID', () => {
    expect(codesOf(report, 'guid')).toEqual(['guid-column']);
    expect(findingOf(report, 'guid', 'guid-column').fix).toMatch(/::VARCHAR/);
  });

  it('warns on TIMESTAMP without a zone (TIMESTAMP_NTZ)', () => {
    expect(codesOf(report, 'ntz')).toEqual(['timestamp-ntz']);
    const f = findingOf(report, 'ntz', 'timestamp-ntz');
    expect(f.severity).toBe('warning');
    expect(f.fix).toMatch(/TIMESTAMPTZ/);
  });

  it('reports HUGEINT as the Delta exporter does: not exportable', () => {
    expect(codesOf(report, 'huge')).toEqual(['not-exportable-type']);
    expect(findingOf(report, 'huge', 'not-exportable-type').message).toMatch(/HUGEINT.*DECIMAL\(38,0\)/);
  });

  it('finds a string over 32,764 characters that is neither the min nor the max', () => {
    expect(codesOf(report, 'longtext')).toEqual(['long-string']);
    expect(findingOf(report, 'longtext', 'long-string').message).toMatch(/40,001 characters.*32,764/);
  });

  it('reports NaN in a float column', () => {
    expect(codesOf(report, 'nan')).toEqual(['nan-value']);
    expect(findingOf(report, 'nan', 'nan-value').fix).toMatch(/isnan\("v"\)/);
  });

  it('warns on DuckLake default row groups', () => {
    expect(codesOf(report, 'smallgroups')).toEqual(['small-row-groups']);
    expect(findingOf(report, 'smallgroups', 'small-row-groups').message).toMatch(/^3 row groups of 100,000 rows/);
  });

  it('counts files and row groups against the SKU (F2: 1,000), and not on F64 (5,000)', async () => {
    expect(codesOf(report, 'manyfiles')).toEqual(['small-row-groups', 'too-many-files', 'too-many-row-groups']);
    expect(findingOf(report, 'manyfiles', 'too-many-files').message).toBe(
      '1001 Parquet files; Direct Lake on F2 allows 1000 per table.',
    );
    const f64 = await check(lake, 'F64');
    expect(codesOf(f64, 'manyfiles')).toEqual(['small-row-groups']);
  });

  it('warns on deletes not yet rewritten into the data files', () => {
    expect(codesOf(report, 'deletes')).toEqual(['unflushed-deletes']);
    expect(findingOf(report, 'deletes', 'unflushed-deletes').fix).toMatch(/ducklake_rewrite_data_files/);
  });

  it('reports a renamed column as needing a rewrite', () => {
    expect(codesOf(report, 'renamed')).toEqual(['needs-rewrite']);
    const f = findingOf(report, 'renamed', 'needs-rewrite');
    expect(f.message).toMatch(/renamed from 'old_name'/);
    expect(f.fix).toMatch(/CREATE OR REPLACE TABLE main.renamed/);
  });

  it('says which footers it could not read', () => {
    expect(codesOf(report, 'missing')).toEqual(['files-missing']);
  });

  it('reports a data file path that would leave its folder, as the export refuses it', async () => {
    const hostile = await TestLake.create();
    try {
      await hostile.sql(`CREATE TABLE escape (id INTEGER); INSERT INTO escape VALUES (1)`);
      await hostile.sql('USE memory; DETACH lake');
      const editor = await DuckDBSession.open({ extensionDirectory, threads: 1 });
      try {
        await editor.loadExtensions(['sqlite_scanner']);
        await editor.run(`ATTACH ${quoteLiteral(hostile.catalogPath)} AS cat (TYPE sqlite)`);
        await editor.run(`UPDATE cat.ducklake_data_file SET path = '../../../etc/passwd.parquet'`);
      } finally {
        editor.close();
      }
      const r = await check(hostile);
      expect(codesOf(r, 'escape')).toEqual(['unsafe-path']);
      expect(findingOf(r, 'escape', 'unsafe-path').message).toMatch(/etc\/passwd\.parquet/);
    } finally {
      await hostile.close();
    }
  });

  it('warns on rows still inlined in the catalog', async () => {
    const inlining = await TestLake.create({ inliningRowLimit: 100 });
    try {
      await inlining.sql(`CREATE TABLE small (id INTEGER); INSERT INTO small VALUES (1), (2)`);
      const r = await check(inlining);
      expect(codesOf(r, 'small')).toEqual(['inlined-data']);
      expect(findingOf(r, 'small', 'inlined-data').message).toMatch(/^2 row\(s\) live inside the catalog/);
    } finally {
      await inlining.close();
    }
  });
});
