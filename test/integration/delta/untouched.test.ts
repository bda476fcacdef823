import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { knownStates, STATE_FORMAT } from '../../../src/core/delta/report';
import { tableReport, TestLake } from './helpers';

/**
 * With the previous report passed back (as publish does), a table no snapshot
 * touched since is reported unchanged without reading its catalog rows, so an
 * export costs what changed in the lakehouse, not its size. Proven by
 * corrupting the untouched table's file rows behind DuckLake's back: only an
 * export that reads them notices.
 */
describe('Delta export of a lakehouse where one table changed', () => {
  let lake: TestLake;
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  async function corruptFilePaths(table: string) {
    const session = await DuckDBSession.open({
      extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS,
      threads: 1,
    });
    try {
      await session.loadExtensions(['sqlite_scanner']);
      await session.run(`ATTACH ${quoteLiteral(lake.catalogPath)} AS meta (TYPE sqlite)`);
      await session.run(
        `UPDATE meta.ducklake_data_file SET path = '../escape.parquet'
         WHERE table_id = (SELECT table_id FROM meta.ducklake_table WHERE table_name = ${quoteLiteral(table)})`,
      );
    } finally {
      session.close();
    }
  }

  it('skips the untouched table without reading it, and still exports the changed one', async () => {
    await lake.sql('CREATE TABLE lake.main.still (id INTEGER)');
    await lake.sql('INSERT INTO lake.main.still SELECT * FROM range(10)');
    await lake.sql('CREATE TABLE lake.main.busy (id INTEGER)');
    await lake.sql('INSERT INTO lake.main.busy SELECT * FROM range(10)');
    const first = await lake.export();
    expect(tableReport(first, 'main.still').state?.format).toBe(STATE_FORMAT);

    await lake.sql('INSERT INTO lake.main.busy SELECT * FROM range(10, 20)');
    await lake.sql('CREATE TABLE lake.main.fresh (id INTEGER)'); // a name-only change elsewhere
    await corruptFilePaths('still');

    const next = await lake.export({ known: knownStates(first) });
    expect(tableReport(next, 'main.still')).toMatchObject({ status: 'unchanged', version: 0 });
    expect(tableReport(next, 'main.still').requests.total).toBe(0);
    expect(tableReport(next, 'main.busy')).toMatchObject({ status: 'updated', version: 1, adds: 1 });
    expect(tableReport(next, 'main.fresh')).toMatchObject({ status: 'created', version: 0 });

    // A hint from an exporter of another format (here: none) is not trusted without a rebuild,
    // and neither is no hint: both read the table and find the corrupted paths.
    const oldFormat = Object.fromEntries(
      Object.entries(knownStates(first)).map(([folder, state]) => [folder, { ...state, format: undefined }]),
    );
    expect(tableReport(await lake.export({ known: oldFormat }), 'main.still').skipped?.code).toBe('unsafe-path');
    expect(tableReport(await lake.export(), 'main.still').skipped?.code).toBe('unsafe-path');
  });

  it('follows a table a snapshot since touched from its changed files only, and rebuilds it without the state', async () => {
    await lake.sql('CREATE TABLE lake.main.t (id INTEGER, v VARCHAR)');
    await lake.sql(`INSERT INTO lake.main.t SELECT i, 'v' FROM range(10) r(i)`);
    const first = await lake.export();
    // A file added and all its rows deleted again: DuckLake ends the file, the rows are as before.
    await lake.sql(`INSERT INTO lake.main.t SELECT i, 'gone' FROM range(100, 110) r(i)`);
    await lake.sql(`DELETE FROM lake.main.t WHERE v = 'gone'`);
    await corruptFilePaths('t');
    // The incremental path reads only the file that came and went, not the (corrupted) older rows.
    expect(tableReport(await lake.export({ known: knownStates(first) }), 'main.t')).toMatchObject({
      status: 'unchanged',
      version: 0,
      incremental: true,
    });
    expect(tableReport(await lake.export(), 'main.t').skipped?.code).toBe('unsafe-path');
  });
});
