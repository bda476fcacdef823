import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttachedCatalogBackend } from '../../../src/core/ducklake/catalogBackend';
import { CatalogReader, liveTableStates, TableStateLog } from '../../../src/core/ducklake/catalogReader';
import { LazyDuckDBSession } from '../../../src/core/lake/lazySession';
import { buildProject } from '../../../src/core/models';
import { addProfileSettings, makeProject, openSession, withLake, withSession, type Workspace } from './helpers';

/**
 * The skip check compares a state recorded through DuckDB with one read from the catalog file in
 * WASM: both must be the same text for the same catalog, and differ for the table that changed.
 */
let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

/** Both readings of the same catalog: through a DuckDB session's attach, and from the file in WASM. */
async function bothStates(w: Workspace): Promise<{ duckdb: Map<string, string>; file: Map<string, string> }> {
  const duckdb = await withLake(w, (session) =>
    liveTableStates(new AttachedCatalogBackend((sql) => session.all(sql), '__ducklake_metadata_lake')),
  );
  const reader = await CatalogReader.openUnlessWritten(w.catalogPath);
  expect(reader).toBeDefined();
  try {
    return { duckdb, file: await reader!.liveTableStates() };
  } finally {
    await reader!.close();
  }
}

describe('table states: through DuckDB and from the catalog file alike', () => {
  it('gives the same state text for every table, and a new one for exactly the table a write changed', async () => {
    ws = makeProject({}, 'states');
    await withLake(ws, (s) =>
      s.run(`CREATE SCHEMA raw;
             CREATE TABLE raw.big AS SELECT range AS id FROM range(100000);
             CREATE TABLE raw.small AS SELECT 1 AS id;
             CREATE SCHEMA "Mixed";
             CREATE TABLE "Mixed"."Case, With Comma" AS SELECT 1 AS x`),
    );
    const first = await bothStates(ws);
    expect([...first.file.keys()].sort()).toEqual(['mixed.case, with comma', 'raw.big', 'raw.small']);
    expect(first.file).toEqual(first.duckdb);

    // An inlined insert (no data file; only the snapshot log names the table), then a delete from the big one.
    await withLake(ws, (s) => s.run('INSERT INTO raw.small VALUES (2)'));
    const second = await bothStates(ws);
    expect(second.file).toEqual(second.duckdb);
    expect(second.file.get('raw.small')).not.toBe(first.file.get('raw.small'));
    expect(second.file.get('raw.big')).toBe(first.file.get('raw.big'));
    await withLake(ws, (s) => s.run('DELETE FROM raw.big WHERE id < 10'));
    const third = await bothStates(ws);
    expect(third.file).toEqual(third.duckdb);
    expect(third.file.get('raw.big')).not.toBe(second.file.get('raw.big'));
    expect(third.file.get('raw.small')).toBe(second.file.get('raw.small'));
    expect(third.file.get('mixed.case, with comma')).toBe(first.file.get('mixed.case, with comma'));
  });

  it('kept between reads, the states read only what changed equal a fresh full read, through DuckDB and in WASM', async () => {
    ws = makeProject({}, 'states-delta');
    const w = ws;
    const viaDuckDB = new TableStateLog();
    // The same attach, with the deltas handed to SQLite whole (sqlite_query), as a run reads a SQLite catalog.
    const viaSqliteQuery = new TableStateLog();
    const viaFile = new TableStateLog();
    /** The incremental and the fresh reading on every backend, checked equal; the file's states returned. */
    const check = async (step: string): Promise<Map<string, string>> => {
      const duckdb = await withLake(w, async (session) => {
        const backend = new AttachedCatalogBackend((sql) => session.all(sql), '__ducklake_metadata_lake');
        const inSqlite = new AttachedCatalogBackend((sql) => session.all(sql), '__ducklake_metadata_lake', true);
        const fresh = await liveTableStates(backend);
        expect(await viaSqliteQuery.read(inSqlite), step).toEqual(fresh);
        return { kept: await viaDuckDB.read(backend), fresh };
      });
      const reader = await CatalogReader.openUnlessWritten(w.catalogPath);
      expect(reader, step).toBeDefined();
      try {
        const file = { kept: await reader!.liveTableStates(viaFile), fresh: await reader!.liveTableStates() };
        expect(duckdb.kept, step).toEqual(duckdb.fresh);
        expect(file.kept, step).toEqual(file.fresh);
        expect(file.fresh, step).toEqual(duckdb.fresh);
        return file.kept;
      } finally {
        await reader!.close();
      }
    };
    const write = (sql: string) => withLake(w, (s) => s.run(sql));

    await write(`CREATE SCHEMA raw;
                 CREATE TABLE raw.big AS SELECT range AS id FROM range(100000);
                 CREATE TABLE raw.small AS SELECT 1 AS id;
                 CREATE TABLE raw.parts (id BIGINT);
                 CREATE SCHEMA "Mixed";
                 CREATE TABLE "Mixed"."Case, With Comma" AS SELECT 1 AS x;
                 CREATE SCHEMA empty`);
    let before = await check('first read');
    expect(viaDuckDB.fullReads).toBe(1);
    expect(viaFile.fullReads).toBe(1);

    // Each write below is applied from the snapshot log (and the table rows when tables come or go).
    const steps: Array<[string, string, string[]]> = [
      ['create', 'CREATE TABLE raw.t2 AS SELECT range AS id FROM range(5000)', ['raw.t2']],
      // A schema with no table at the first read (what an on-run-start hook's CREATE SCHEMA leaves).
      ['create in a schema empty at the first read', 'CREATE TABLE empty.z AS SELECT 1 AS z', ['empty.z']],
      ['inlined insert', 'INSERT INTO raw.small VALUES (2)', ['raw.small']],
      ['insert', 'INSERT INTO raw.big SELECT range FROM range(100000, 150000)', ['raw.big']],
      ['delete', 'DELETE FROM raw.big WHERE id < 10', ['raw.big']],
      ['inlined delete', 'DELETE FROM raw.small WHERE id = 1', ['raw.small']],
      ['drop', 'DROP TABLE raw.t2', ['raw.t2']],
      ['create or replace', 'CREATE OR REPLACE TABLE raw.small AS SELECT 5 AS id', ['raw.small']],
      ['add column', 'ALTER TABLE raw.big ADD COLUMN note VARCHAR', ['raw.big']],
      ['rename', 'ALTER TABLE raw.small RENAME TO smaller', ['raw.small', 'raw.smaller']],
      ['view', 'CREATE VIEW raw.v AS SELECT 1 AS x', []],
      [
        'three files',
        `INSERT INTO raw.parts SELECT range FROM range(1000);
         INSERT INTO raw.parts SELECT range FROM range(1000, 2000);
         INSERT INTO raw.parts SELECT range FROM range(2000, 3000)`,
        ['raw.parts'],
      ],
      ['compaction', "CALL ducklake_merge_adjacent_files('lake')", ['raw.parts']],
    ];
    for (const [step, sql, changed] of steps) {
      await write(sql);
      const after = await check(step);
      for (const name of new Set([...before.keys(), ...after.keys()]))
        if (changed.includes(name)) expect(after.get(name), `${step}: ${name}`).not.toBe(before.get(name));
        else expect(after.get(name), `${step}: ${name}`).toBe(before.get(name));
      before = after;
    }
    expect(viaDuckDB.fullReads).toBe(1);
    expect(viaSqliteQuery.fullReads).toBe(1);
    expect(viaFile.fullReads).toBe(1);

    // A new schema (what a run's first model in a schema does) is applied from the log too: with a
    // table in the same write, and empty first with its table in a later write.
    await write('CREATE SCHEMA other; CREATE TABLE other.x AS SELECT 1 AS x');
    expect((await check('new schema with a table')).get('other.x')).toBeDefined();
    await write('CREATE SCHEMA "Later"');
    await check('new empty schema');
    await write('CREATE TABLE "Later".y AS SELECT 2 AS y');
    expect((await check('a table in the schema created before')).get('later.y')).toBeDefined();
    expect(viaDuckDB.fullReads).toBe(1);
    expect(viaSqliteQuery.fullReads).toBe(1);
    expect(viaFile.fullReads).toBe(1);

    // A dropped schema is not applied from the log: read whole again, still equal.
    await write('DROP TABLE other.x; DROP SCHEMA other');
    expect((await check('dropped schema')).get('other.x')).toBeUndefined();
    expect(viaDuckDB.fullReads).toBe(2);

    // Expired snapshots take their times with them: read whole again, so the text stays a fresh read's.
    await write("CALL ducklake_expire_snapshots('lake', older_than => now())");
    await check('expiry');
    expect(viaDuckDB.fullReads).toBe(3);

    // Another catalog in the same place (snapshot ids start again): read whole, never mixed with the old one.
    rmSync(w.catalogPath);
    await write('CREATE TABLE fresh AS SELECT 1 AS x');
    expect([...(await check('another catalog')).keys()]).toEqual(['main.fresh']);
    expect(viaDuckDB.fullReads).toBe(4);
    expect(viaSqliteQuery.fullReads).toBe(4);
  });

  it('kept between reads on a DuckLake over a DuckDB file, the states equal a fresh full read', async () => {
    ws = makeProject({}, 'states-duckdb-file');
    const w = ws;
    const log = new TableStateLog();
    await withSession(async (session) => {
      await session.loadExtensions(['ducklake']);
      await session.run(
        `ATTACH 'ducklake:${join(w.root, 'lake', 'catalog.ducklake')}' AS lake (DATA_PATH '${w.dataPath}')`,
      );
      const backend = new AttachedCatalogBackend((sql) => session.all(sql), '__ducklake_metadata_lake');
      const check = async (step: string) => {
        const kept = await log.read(backend);
        expect(kept, step).toEqual(await liveTableStates(backend));
        return kept;
      };
      await session.run(
        'CREATE TABLE lake.a AS SELECT range AS id FROM range(1000); CREATE TABLE lake.b AS SELECT 1 AS x',
      );
      const first = await check('first');
      await session.run('INSERT INTO lake.b VALUES (2); CREATE TABLE lake.c AS SELECT 1 AS y; DROP TABLE lake.a');
      const second = await check('second');
      expect([...second.keys()].sort()).toEqual(['main.b', 'main.c']);
      expect(second.get('main.b')).not.toBe(first.get('main.b'));
      expect(log.fullReads).toBe(1);
    });
  });

  it('a session that cannot be set up still stops the run with the set-up error when DuckDB is opened lazily', async () => {
    ws = makeProject({ 'models/m.sql': "{{ config(materialized='table') }}\nselect 1 as x" }, 'states-setup');
    const build = async () => {
      const session = new LazyDuckDBSession(openSession);
      try {
        return await buildProject({ projectDir: ws!.projectDir, session, env: ws!.env });
      } finally {
        await session.close();
      }
    };
    expect((await build()).success).toBe(true);
    // A memo exists, so the session would be opened lazily; a setting DuckDB refuses breaks the set-up.
    addProfileSettings(ws, ['no_such_setting: 1']);
    await expect(build()).rejects.toThrow(/Setting up the connection failed on `SET no_such_setting = 1`/);
  });
});
