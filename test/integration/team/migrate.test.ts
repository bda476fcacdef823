import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { authFor } from '../../../src/core/storage/blobStore';
import { grantLakehouseStorage } from '../../../src/core/team/duckdbStorage';
import { contentHash, type TableContent } from '../delta/helpers';
import { duckdb, runCli } from '../support/lakehouse';
import { startPostgres, type PostgresServer } from '../support/postgres';
import { CONNECTION_ENV, openTeamLake, teamWorkspace, WRITERS } from './teamRig';

const TABLES = [...WRITERS, 'events', 'summary'];

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => {
  pg?.stop();
  delete process.env[CONNECTION_ENV];
});

type Workspace = Awaited<ReturnType<typeof teamWorkspace>>;

/** Content hash of every table as the SQLite catalog on storage has it (downloaded, attached read-only). */
async function sqliteContent(ws: Workspace): Promise<Record<string, TableContent>> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-migrated-'));
  const file = join(dir, 'metadata.db');
  await ws.lake.store.blob('Files/metadata.db').downloadToFile(file);
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await grantLakehouseStorage(session, ws.lake.entry.location, authFor(ws.lake.entry.location, undefined));
    await session.run(`ATTACH ${quoteLiteral(`ducklake:sqlite:${file}`)} AS lake (READ_ONLY)`);
    return await contents(session);
  } finally {
    session.close();
  }
}

async function postgresContent(ws: Workspace): Promise<Record<string, TableContent>> {
  const session = await openTeamLake(ws.lake, ws.connection);
  try {
    return await contents(session);
  } finally {
    session.close();
  }
}

async function contents(session: DuckDBSession): Promise<Record<string, TableContent>> {
  const out: Record<string, TableContent> = {};
  for (const t of TABLES) out[t] = await contentHash(session, `SELECT * FROM lake.main.${t}`);
  return out;
}

describe('catalog migrate: SQLite ⇄ PostgreSQL', () => {
  it('moves a published SQLite catalog to PostgreSQL and back with every table the same, refusing the retired side', async () => {
    const ws = await teamWorkspace(pg);
    // Start as a SQLite lakehouse under a lease: the same project, published the usual way.
    const yml = join(ws.cwd, 'lakehouse.yml');
    const teamYml = readFileSync(yml, 'utf8');
    writeFileSync(yml, `lakehouses:\n  - name: lh\n    location: ${ws.lake.location}\n`);
    const published = await runCli(['run', 'lh', '--publish', '--json', '--holder', 'solo@team'], {}, ws.cwd);
    expect(published.code, published.stdout + published.stderr).toBe(0);
    const before = await sqliteContent(ws);
    expect(before.events!.rows).toBe(5);

    const toPg = await runCli(
      ['catalog', 'migrate', 'lh', '--to', 'postgres', '--connection-env', CONNECTION_ENV, '--json'],
      {},
      ws.cwd,
    );
    expect(toPg.code, toPg.stdout + toPg.stderr).toBe(0);
    expect(toPg.stdout + toPg.stderr).not.toContain(ws.database);
    expect(readFileSync(yml, 'utf8')).toContain(`connection_env: ${CONNECTION_ENV}`);
    expect(await postgresContent(ws)).toEqual(before);

    // A SQLite writer after the migration is refused, saying where the catalog went.
    const stale = await runCli(['run', ws.lake.location, '--publish', '--json'], {}, ws.cwd);
    expect(stale.code).not.toBe(0);
    expect(stale.json.error?.code, stale.stdout).toBe('catalog-retired');
    expect(stale.json.error?.message).toContain('moved to a PostgreSQL catalog');

    const back = await runCli(['catalog', 'migrate', 'lh', '--to', 'sqlite', '--json'], {}, ws.cwd);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(readFileSync(yml, 'utf8')).not.toContain('postgres');
    expect(await sqliteContent(ws)).toEqual(before);

    // The SQLite catalog is writable again; a team writer still pointed at PostgreSQL is refused.
    const again = await runCli(['run', 'lh', '--publish', '--json', '--vars', '{"round": 2}'], {}, ws.cwd);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const elsewhere = mkdtempSync(join(tmpdir(), 'lakehouse-team-stale-'));
    for (const f of ['dbt_project.yml', 'profiles.yml'])
      writeFileSync(join(elsewhere, f), readFileSync(join(ws.cwd, f)));
    writeFileSync(join(elsewhere, 'lakehouse.yml'), teamYml);
    const team = await runCli(['run', 'lh', '--json'], {}, elsewhere);
    expect(team.code).not.toBe(0);
    expect(team.json.error?.code, team.stdout).toBe('catalog-retired');
  });
});
