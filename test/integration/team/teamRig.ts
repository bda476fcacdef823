import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { authFor } from '../../../src/core/storage/blobStore';
import { grantLakehouseStorage } from '../../../src/core/team/duckdbStorage';
import { contentHash, type TableContent } from '../delta/helpers';
import { downloadFolder } from '../support/developer';
import { duckdb, freshLakehouse } from '../support/lakehouse';
import type { PostgresServer } from '../support/postgres';

export const CONNECTION_ENV = 'LAKEHOUSE_PG_TEAMTEST';

/** Writer i appends 5 rows per round to its own table and to the shared `events`; `summary` is rebuilt by all. */
export const WRITERS = ['w1', 'w2', 'w3', 'w4'];

const MODEL = (writer: string) => `{{ config(materialized='incremental') }}
select {{ var('round', 0) }}::INTEGER as round, '${writer}' as writer, range::INTEGER as i from range(5)
`;

/**
 * A workspace whose lakehouse.yml points `lh` at a fresh Azurite container
 * and a fresh PostgreSQL database as its catalog. The connection string goes
 * into the environment variable lakehouse.yml names (the test process's own
 * environment, so the CLI processes it spawns inherit it).
 */
export async function teamWorkspace(pg: PostgresServer) {
  const lake = await freshLakehouse();
  const database = `lake_${randomBytes(5).toString('hex')}`;
  const connection = pg.createDatabase(database);
  process.env[CONNECTION_ENV] = connection;
  const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-team-'));
  writeFileSync(
    join(cwd, 'lakehouse.yml'),
    `lakehouses:\n  - name: lh\n    location: ${lake.location}\n    catalog:\n      type: postgres\n      connection_env: ${CONNECTION_ENV}\n`,
  );
  writeFileSync(join(cwd, 'dbt_project.yml'), 'name: team\nprofile: team\nmodel-paths: [models]\n');
  writeFileSync(
    join(cwd, 'profiles.yml'),
    'team:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ":memory:"\n      threads: 1\n',
  );
  mkdirSync(join(cwd, 'models'));
  for (const w of WRITERS) writeFileSync(join(cwd, 'models', `${w}.sql`), MODEL(w));
  writeFileSync(
    join(cwd, 'models', 'events.sql'),
    `{{ config(materialized='incremental') }}\nselect {{ var('round', 0) }}::INTEGER as round, '{{ var('writer', 'seed') }}' as writer, range::INTEGER as i from range(5)\n`,
  );
  writeFileSync(
    join(cwd, 'models', 'summary.sql'),
    `{{ config(materialized='table') }}\nselect writer, count(*) as n, max(round) as last_round from {{ ref('events') }} group by writer\n`,
  );
  return { lake, cwd, connection, database };
}

/** A DuckDB session with the team catalog attached as `lake` (read-only) and the lakehouse's storage granted. */
export async function openTeamLake(lake: Awaited<ReturnType<typeof freshLakehouse>>, connection: string) {
  const session = await DuckDBSession.open(duckdb);
  await session.loadExtensions(['ducklake', 'postgres_scanner']);
  await grantLakehouseStorage(session, lake.entry.location, authFor(lake.entry.location, undefined));
  await session.run(`ATTACH ${quoteLiteral(`ducklake:postgres:${connection}`)} AS lake (READ_ONLY)`);
  return session;
}

/** Paths (inside the item) of every data file the catalog names at its latest snapshot. */
export async function filesNamedByCatalog(session: DuckDBSession, item: string): Promise<string[]> {
  const tables = await session.all<{ schema_name: string; table_name: string }>(
    `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'lake'`,
  );
  const out: string[] = [];
  for (const t of tables) {
    const rows = await session.all<{ data_file: string }>(
      `SELECT data_file FROM ducklake_list_files('lake', ${quoteLiteral(t.table_name)}, schema => ${quoteLiteral(t.schema_name)})`,
    );
    for (const r of rows) out.push(r.data_file.replace(/^az:\/\/[^/]+\//, '').replace(`${item}/`, ''));
  }
  return out;
}

/** Blob names under the item's Tables/, relative to the item. */
export async function blobsUnderTables(lake: Awaited<ReturnType<typeof freshLakehouse>>): Promise<Set<string>> {
  const names = new Set<string>();
  const prefix = `${lake.store.location.item}/`;
  for await (const blob of lake.store.container.listBlobsFlat({ prefix: `${prefix}Tables/` }))
    names.add(blob.name.slice(prefix.length));
  return names;
}

export async function lakeContent(session: DuckDBSession, table: string): Promise<TableContent> {
  return contentHash(session, `SELECT * FROM lake.main.${table}`);
}

export async function deltaFolder(lake: Awaited<ReturnType<typeof freshLakehouse>>, table: string): Promise<string> {
  return downloadFolder(lake.store, `Tables/main/${table}`);
}
