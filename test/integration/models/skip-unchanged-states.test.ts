import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttachedCatalogBackend } from '../../../src/core/ducklake/catalogBackend';
import { CatalogReader, liveTableStates } from '../../../src/core/ducklake/catalogReader';
import { LazyDuckDBSession } from '../../../src/core/lake/lazySession';
import { buildProject } from '../../../src/core/models';
import { makeProject, openSession, withLake, type Workspace } from './helpers';

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
    const profile = join(ws.projectDir, 'profiles.yml');
    writeFileSync(
      profile,
      readFileSync(profile, 'utf8').replace(
        '      threads: 1\n',
        '      threads: 1\n      settings:\n        no_such_setting: 1\n',
      ),
    );
    await expect(build()).rejects.toThrow(/Setting up the connection failed on `SET no_such_setting = 1`/);
  });
});
