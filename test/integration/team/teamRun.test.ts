import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { authFor } from '../../../src/core/storage/blobStore';
import { grantLakehouseStorage } from '../../../src/core/team/duckdbStorage';
import { runOnTeamCatalog } from '../../../src/core/team/teamRun';
import { readWithDeltaRs, readWithDuckDBDelta } from '../delta/helpers';
import { duckdb, runCli } from '../support/lakehouse';
import { startPostgres, type PostgresServer } from '../support/postgres';
import {
  blobsUnderTables,
  CONNECTION_ENV,
  deltaFolder,
  filesNamedByCatalog,
  lakeContent,
  openTeamLake,
  teamWorkspace,
} from './teamRig';

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => {
  pg?.stop();
  delete process.env[CONNECTION_ENV];
});

describe('team mode: a PostgreSQL DuckLake catalog', () => {
  it('runs models from the CLI straight into the Postgres catalog and the lakehouse Tables/, then exports Delta', async () => {
    const ws = await teamWorkspace(pg);
    const result = await runCli(['run', 'lh', '--json', '--holder', 'ana@team', '--vars', '{"round": 1}'], {}, ws.cwd);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.catalog).toBe('postgres');
    // The connection string never reaches the output.
    expect(result.stdout + result.stderr).not.toContain(ws.database);

    const session = await openTeamLake(ws.lake, ws.connection);
    try {
      // Every file the catalog names is in the lakehouse, and the commits carry their author.
      const named = await filesNamedByCatalog(session, ws.lake.store.location.item);
      const blobs = await blobsUnderTables(ws.lake);
      expect(named.length).toBeGreaterThanOrEqual(6);
      for (const file of named) expect(blobs.has(file), file).toBe(true);
      const authors = await session.all<{ author: string | null }>(
        `SELECT author FROM lake.snapshots() WHERE snapshot_id > 1`,
      );
      expect(new Set(authors.map((a) => a.author))).toEqual(new Set(['ana@team']));
      // Delta logs next to the Parquet, read by both independent readers as DuckLake has them.
      for (const table of ['w1', 'events', 'summary']) {
        const expected = await lakeContent(session, table);
        expect(expected.rows).toBeGreaterThan(0);
        const folder = await deltaFolder(ws.lake, table);
        expect(await readWithDuckDBDelta(folder), table).toEqual(expected);
        const rs = await readWithDeltaRs(folder);
        expect({ rows: rs.rows, hash: rs.hash }, table).toEqual(expected);
      }
    } finally {
      session.close();
    }
  });

  it('runs a node again when another writer committed the same table first, and keeps both writes', async () => {
    const ws = await teamWorkspace(pg);
    const [entry] = parseLakehouseFile(readFileSync(join(ws.cwd, 'lakehouse.yml'), 'utf8'), 'lakehouse.yml');
    const auth = authFor(entry!.location, undefined);
    const base = {
      entry: entry!,
      connection: ws.connection,
      store: ws.lake.store,
      auth,
      duckdb,
      projectDir: ws.cwd,
      select: ['events'],
    };
    await runOnTeamCatalog({ ...base, author: 'first@team', vars: { round: 0, writer: 'seed' }, exportDelta: false });

    // Just before the product's COMMIT, another writer replaces `events`: DuckLake refuses our commit.
    let interfered = 0;
    const other = await DuckDBSession.open(duckdb);
    await other.loadExtensions(['ducklake', 'postgres_scanner']);
    await grantLakehouseStorage(other, entry!.location, auth);
    await other.run(
      `ATTACH ${quoteLiteral(`ducklake:postgres:${ws.connection}`)} AS lake (DATA_PATH ${quoteLiteral(`az://${entry!.location.container}/${entry!.location.item}/Tables/`)}, DATA_INLINING_ROW_LIMIT 0)`,
    );
    try {
      const result = await runOnTeamCatalog({
        ...base,
        author: 'second@team',
        vars: { round: 1, writer: 'second' },
        beforeCommit: async () => {
          if (interfered++ > 0) return;
          await other.run(`INSERT INTO lake.main.events SELECT 99, 'other', range::INTEGER FROM range(3)`);
          await other.run(`CREATE OR REPLACE TABLE lake.main.events AS SELECT * FROM lake.main.events`);
        },
      });
      expect(result.run.success, JSON.stringify(result.run.results.map((r) => r.message))).toBe(true);
      expect(result.conflicts).toBe(1);
      expect(interfered).toBe(2);
      const rows = await other.all<{ writer: string; n: bigint }>(
        `SELECT writer, count(*) AS n FROM lake.main.events GROUP BY writer ORDER BY writer`,
      );
      expect(rows.map((r) => [r.writer, Number(r.n)])).toEqual([
        ['other', 3],
        ['second', 5],
        ['seed', 5],
      ]);
      expect(
        result.delta?.tables.find((t) => t.name === 'events'),
        JSON.stringify(result.delta),
      ).toMatchObject({
        status: 'created',
      });
      const folder = await deltaFolder(ws.lake, 'events');
      expect((await readWithDuckDBDelta(folder)).rows).toBe(13);
    } finally {
      other.close();
    }
  });

  it('says which variable is missing when the connection is not set, and never runs', async () => {
    const ws = await teamWorkspace(pg);
    const result = await runCli(['run', 'lh', '--json'], { [CONNECTION_ENV]: '' }, ws.cwd);
    expect(result.code, result.stdout + result.stderr).not.toBe(0);
    expect(result.json.error?.message, result.stdout + result.stderr).toContain(`${CONNECTION_ENV}, which is not set`);
  });
});
