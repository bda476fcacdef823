import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { lakehouseTargetResolver } from '../../../src/core/query/targets';
import { engineFor } from '../query/helpers';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { duckdb, runCli } from '../support/lakehouse';
import { startPostgres, type PostgresServer } from '../support/postgres';
import { CONNECTION_ENV, openTeamLake, teamWorkspace } from './teamRig';

/** The rows of `sql` as the CLI's JSON prints them: every cell as exact text, NULL as null. */
async function lakeRows(ws: Awaited<ReturnType<typeof teamWorkspace>>, sql: string): Promise<(string | null)[][]> {
  const session = await openTeamLake(ws.lake, ws.connection);
  try {
    await session.run('USE lake');
    const rows = await session.all<Record<string, unknown>>(sql);
    return rows.map((r) => Object.values(r).map((v) => (v === null ? null : String(v))));
  } finally {
    session.close();
  }
}

/** Every file under `dir` whose bytes contain one of `needles`. */
function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const text = readFileSync(full).toString('latin1');
        if (needles.some((n) => text.includes(n))) hits.push(full);
      }
    }
  };
  walk(dir);
  return hits;
}

const entriesOf = (cwd: string) =>
  parseLakehouseFile(readFileSync(join(cwd, 'lakehouse.yml'), 'utf8'), 'lakehouse.yml');

const SQL = {
  w1: 'select round, writer, i from w1 order by round, i',
  events: 'select round, writer, i from main.events order by round, writer, i',
  summary: 'select writer, n, last_round from summary order by writer',
};

let pg: PostgresServer;
let ws: Awaited<ReturnType<typeof teamWorkspace>>;
beforeAll(async () => {
  pg = await startPostgres();
  ws = await teamWorkspace(pg);
  const build = await runCli(['build', 'lh', '--json', '--holder', 'ana@team', '--vars', '{"round": 1}'], {}, ws.cwd);
  expect(build.code, build.stdout + build.stderr).toBe(0);
  expect(build.json.catalog).toBe('postgres');
});
afterAll(() => {
  pg?.stop();
  delete process.env[CONNECTION_ENV];
});

const query = (sql: string, ...args: string[]) =>
  runCli(['query', sql, '--lakehouse', 'lh', '--format', 'json', ...args], {}, ws.cwd);

describe('lakehouse query on a team lakehouse (PostgreSQL DuckLake catalog)', () => {
  it('the local target reads the PostgreSQL catalog itself: exactly the DuckLake rows', async () => {
    for (const [table, sql] of Object.entries(SQL)) {
      const expected = await lakeRows(ws, sql);
      expect(expected.length, table).toBeGreaterThan(0);
      const r = await query(sql);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.json.target, table).toEqual({ kind: 'local', lakehouse: 'lh' });
      expect(r.json.rows, table).toEqual(expected);
    }
  });

  it('--published reads the Delta logs the team run exported: the same rows', async () => {
    for (const [table, sql] of Object.entries(SQL)) {
      const expected = await lakeRows(ws, sql);
      const r = await query(sql, '--published', '--staleness', '0s');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.json.target, table).toEqual({ kind: 'published', lakehouse: 'lh' });
      expect(r.json.rows, table).toEqual(expected);
      // Answered from storage: Delta log reads and Parquet reads were made.
      expect((r.json.requests as { log: number; data: number }).log, table).toBeGreaterThan(0);
    }
  });

  it('the local target is read-only: a write is refused and the catalog is unchanged', async () => {
    const before = await lakeRows(ws, SQL.w1);
    const r = await query("insert into w1 values (99, 'intruder', 0)");
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/read[- ]only/i);
    expect(await lakeRows(ws, SQL.w1)).toEqual(before);
  });

  it('an engine kept open (the editor) sees the commits other writers made since its first query', async () => {
    const entries = entriesOf(ws.cwd);
    let asked = 0;
    const engine = engineFor(
      lakehouseTargetResolver({
        entries,
        workspaceDir: ws.cwd,
        // The editor's path: the connection from SecretStorage, not the environment.
        teamConnection: async () => {
          asked++;
          return ws.connection;
        },
      }),
      { env: { ...process.env, [CONNECTION_ENV]: '' } },
    );
    try {
      const target = { kind: 'local' as const, lakehouse: 'lh' };
      const count = async () => {
        const info = await engine.run({ sql: 'select count(*) from w1', target });
        return (await engine.page(info.resultId, { offset: 0, limit: 1 })).rows[0]![0];
      };
      const first = await count();
      expect(first).toBe(String((await lakeRows(ws, SQL.w1)).length));
      const again = await runCli(['run', 'lh', '--json', '--select', 'w1', '--vars', '{"round": 2}'], {}, ws.cwd);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const second = await count();
      expect(Number(second)).toBe(Number(first) + 5);
      expect(asked).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('a catalog no team run has laid out yet is refused with what to do, and is left empty', async () => {
    const empty = pg.createDatabase(`empty_${Date.now().toString(36)}`);
    const r = await runCli(['query', 'select 1', '--lakehouse', 'lh'], { [CONNECTION_ENV]: empty }, ws.cwd);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toContain("Cannot read the PostgreSQL catalog of 'lh'");
    expect(r.stderr).toContain("a team run has laid the catalog out ('lakehouse run lh')");
    // READ_ONLY: the query created no DuckLake tables in the empty database.
    const session = await DuckDBSession.open(duckdb);
    try {
      await session.loadExtensions(['postgres_scanner']);
      await session.run(`ATTACH ${quoteLiteral(empty)} AS pg (TYPE postgres, READ_ONLY)`);
      const [row] = await session.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = 'pg' AND schema_name = 'public'`,
      );
      expect(Number(row!.n)).toBe(0);
    } finally {
      session.close();
    }
  });

  it('a wrong connection fails with a clear error that never shows the password; no file holds the connection', async () => {
    const password = 'Wr0ngPassw0rd-9f3k';
    const wrong = [
      `host=127.0.0.1 port=${pg.port} user=nobody_here password=${password} dbname=no_such_catalog`,
      `postgresql://nobody_here:${password}@127.0.0.1:${pg.port}/no_such_catalog`,
    ];
    for (const connection of wrong) {
      // The engine's own error (the editor shows it), before any output redaction: DuckDB's message
      // quotes the whole connection string, and the engine masks it.
      const engine = engineFor(
        lakehouseTargetResolver({
          entries: entriesOf(ws.cwd),
          workspaceDir: ws.cwd,
          teamConnection: async () => connection,
        }),
      );
      try {
        const error = (await engine
          .run({ sql: 'select 1', target: { kind: 'local', lakehouse: 'lh' } })
          .catch((e: unknown) => e)) as { code?: string; message?: string; hint?: string };
        expect(error.code, String(error.message)).toBe('catalog-unreachable');
        expect(error.message).toContain("Cannot read the PostgreSQL catalog of 'lh'");
        expect(error.message).toContain('nobody_here');
        expect(`${error.message} ${error.hint}`).not.toContain(password);
      } finally {
        await engine.close();
      }
      const r = await runCli(['query', 'select 1', '--lakehouse', 'lh'], { [CONNECTION_ENV]: connection }, ws.cwd);
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("Cannot read the PostgreSQL catalog of 'lh'");
      expect(r.stdout + r.stderr).toContain(CONNECTION_ENV);
      expect(r.stdout + r.stderr).not.toContain(password);
    }
    const unset = await runCli(['query', 'select 1', '--lakehouse', 'lh'], { [CONNECTION_ENV]: '' }, ws.cwd);
    expect(unset.code).not.toBe(0);
    expect(unset.stdout + unset.stderr).toContain(`${CONNECTION_ENV}, which is not set`);

    // Runs, queries, the query history and dbt's target/ were all written by now: none names the catalog.
    expect(filesContaining(ws.cwd, [ws.connection, ws.database, password])).toEqual([]);
  });
});
