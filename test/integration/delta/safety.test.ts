import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { readAll, tableReport, TestLake } from './helpers';

/** Edits the catalog behind DuckLake's back, as a corrupt or hostile metadata.db would look. */
async function tamper(lake: TestLake, sql: string): Promise<void> {
  const session = await DuckDBSession.open({ extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS });
  try {
    await session.loadExtensions(['sqlite_scanner']);
    await session.run(`ATTACH ${quoteLiteral(lake.catalogPath)} AS meta (TYPE sqlite); USE meta`);
    await session.run(sql);
  } finally {
    session.close();
  }
}

describe('what the Delta exporter refuses, and why', () => {
  let lake: TestLake;
  afterEach(async () => {
    await lake.close();
  });

  it('names the columns whose types or names Delta cannot carry; exports the rest', async () => {
    lake = await TestLake.create();
    await lake.sql(
      `CREATE TABLE lake.main.odd (id INTEGER, big HUGEINT, u UUID, t TIME, ns TIMESTAMP_NS, ub UBIGINT, "order date" DATE)`,
    );
    await lake.sql(`INSERT INTO lake.main.odd VALUES (1, 1, uuid(), '10:00', '2024-01-01', 1, '2024-01-01')`);
    await lake.sql('CREATE TABLE lake.main.fine AS SELECT 1 AS id');
    const report = await lake.export();
    const odd = tableReport(report, 'main.odd');
    expect(odd.status).toBe('skipped');
    expect(odd.skipped?.code).toBe('unsupported-schema');
    for (const column of [
      'big: INT128',
      'u: UUID',
      't: TIME',
      'ns: TIMESTAMP_NS',
      'ub: UINT64',
      'order date: the name contains a space',
    ]) {
      expect(odd.skipped?.message).toContain(column);
    }
    expect(existsSync(join(lake.tablesRoot, 'main/odd/_delta_log'))).toBe(false);
    expect(tableReport(report, 'main.fine').status).toBe('created');
  });

  it('refuses a renamed column while older files hold the old name; a rewrite makes it exportable', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.ren (id INTEGER, old_name VARCHAR)');
    await lake.sql(`INSERT INTO lake.main.ren VALUES (1, 'a'), (2, 'b')`);
    await lake.sql('ALTER TABLE lake.main.ren RENAME COLUMN old_name TO new_name');
    await lake.sql(`INSERT INTO lake.main.ren VALUES (3, 'c')`);
    const blocked = tableReport(await lake.export(), 'main.ren');
    expect(blocked.skipped?.code).toBe('schema-evolution');
    expect(blocked.skipped?.message).toContain(`column new_name was renamed from 'old_name'`);

    // Merging keeps the old physical name inside the merged file: still refused.
    await lake.sql(`CALL ducklake_merge_adjacent_files('lake')`);
    expect(tableReport(await lake.export(), 'main.ren').skipped?.code).toBe('schema-evolution');

    await lake.sql('CREATE OR REPLACE TABLE lake.main.ren AS SELECT * FROM lake.main.ren');
    const fixed = tableReport(await lake.export(), 'main.ren');
    expect(fixed.status).toBe('created');
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.ren', join(lake.tablesRoot, 'main/ren'));
    expect(expected.rows).toBe(3);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });

  it('refuses ADD COLUMN ... DEFAULT while older files exist (DuckLake shows the default, Delta would show NULL)', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.def (id INTEGER)');
    await lake.sql('INSERT INTO lake.main.def VALUES (1)');
    await lake.sql('ALTER TABLE lake.main.def ADD COLUMN flag INTEGER DEFAULT 7');
    const t = tableReport(await lake.export(), 'main.def');
    expect(t.skipped?.code).toBe('schema-evolution');
    expect(t.skipped?.message).toContain('DEFAULT 7');
  });

  it('rejects catalog paths that escape the table folder with a typed error in the report', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.esc AS SELECT range AS id FROM range(3)');
    await lake.sql('CREATE TABLE lake.main.esc2 AS SELECT range AS id FROM range(3)');
    await lake.sql('CREATE TABLE lake.main.ok AS SELECT range AS id FROM range(3)');
    await tamper(
      lake,
      `UPDATE ducklake_data_file SET path = '../ok/../../../etc/passwd'
                        WHERE table_id = (SELECT table_id FROM ducklake_table WHERE table_name = 'esc')`,
    );
    await tamper(lake, `UPDATE ducklake_table SET path = '../../outside/' WHERE table_name = 'esc2'`);
    await lake.sql('CREATE TABLE lake.main.hashy AS SELECT 1 AS id');
    await tamper(lake, `UPDATE ducklake_table SET path = 'a#b/' WHERE table_name = 'hashy'`);
    const report = await lake.export();
    const esc = tableReport(report, 'main.esc');
    expect(esc.skipped?.code).toBe('unsafe-path');
    expect(esc.skipped?.message).toContain('../ok/../../../etc/passwd');
    const esc2 = tableReport(report, 'main.esc2');
    expect(esc2.skipped?.code).toBe('unsafe-path');
    expect(existsSync(join(lake.dir, 'outside'))).toBe(false);
    const hashy = tableReport(report, 'main.hashy');
    expect(hashy.skipped).toMatchObject({
      code: 'invalid-name',
      message: expect.stringContaining(`folder name 'a#b' contains '#'`),
    });
    expect(tableReport(report, 'main.ok').status).toBe('created');
  });

  it('reports a table with a data file outside its folder (ducklake_add_data_files) as not exportable', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.ext (id BIGINT)');
    const outside = join(lake.dir, 'elsewhere');
    await mkdir(outside);
    const file = join(outside, 'part.parquet');
    await lake.sql(`COPY (SELECT range AS id FROM range(5)) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    await lake.sql(`CALL ducklake_add_data_files('lake', 'ext', ${quoteLiteral(file)})`);
    const t = tableReport(await lake.export(), 'main.ext');
    expect(t.skipped?.code).toBe('absolute-path');
    expect(t.skipped?.message).toContain(file);
  });

  it('exports a table DuckLake stored under a uuid folder (its name has # in it) and warns about the name Fabric shows', async () => {
    lake = await TestLake.create();
    await lake.sql(`CREATE TABLE lake.main."we ird#" AS SELECT 1 AS id`);
    const t = tableReport(await lake.export(), 'main.we ird#');
    expect(t.status).toBe('created');
    expect(t.folder).toMatch(/^main\/[0-9a-f-]{36}\/$/);
    expect(t.warnings.join(' ')).toContain('Fabric will show this table as');
  });
});
