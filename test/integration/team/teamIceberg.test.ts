import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../../src/core/lake/duckdb';
import { contentHash } from '../delta/helpers';
import { runCli } from '../support/lakehouse';
import { startPostgres, type PostgresServer } from '../support/postgres';
import { CONNECTION_ENV, filesNamedByCatalog, lakeContent, openTeamLake, teamWorkspace } from './teamRig';

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => {
  pg?.stop();
  delete process.env[CONNECTION_ENV];
});

interface IcebergJson {
  status: string;
  version?: number;
}

describe('team mode with iceberg: true', () => {
  it('each team build writes Iceberg metadata beside Delta that iceberg_scan reads as DuckLake has it', async () => {
    const ws = await teamWorkspace(pg);
    appendFileSync(`${ws.cwd}/lakehouse.yml`, '    iceberg: true\n');
    const tables = ['w1', 'events', 'summary'];
    for (const round of [1, 2]) {
      const build = await runCli(['build', 'lh', '--json', '--vars', `{"round": ${round}}`], {}, ws.cwd);
      expect(build.code, build.stdout + build.stderr).toBe(0);
      const exported = (build.json.delta as { tables: { folder: string; iceberg?: IcebergJson }[] }).tables;
      for (const table of tables) {
        const report = exported.find((t) => t.folder === `main/${table}/`)?.iceberg;
        // Round 1 creates version 1; round 2 appends (incremental w1, events) or replaces (summary): version 2.
        expect(report, `${table} round ${round}: ${JSON.stringify(exported)}`).toMatchObject({
          status: round === 1 ? 'created' : 'updated',
          version: round,
        });
      }
      expect(build.stdout).not.toContain(ws.database);
    }

    const session = await openTeamLake(ws.lake, ws.connection);
    try {
      await session.loadExtensions(['avro', 'iceberg']);
      const item = ws.lake.store.location.item;
      const named = new Set(await filesNamedByCatalog(session, item));
      for (const table of tables) {
        const expected = await lakeContent(session, table);
        expect(expected.rows, table).toBeGreaterThan(0);
        const folder = `az://${ws.lake.store.location.container}/${item}/Tables/main/${table}`;
        // DuckDB's iceberg reader over the lakehouse itself (Azurite), following version-hint.text.
        expect(await contentHash(session, `SELECT * FROM iceberg_scan(${quoteLiteral(folder)})`), table).toEqual(
          expected,
        );
        // The current Iceberg snapshot lists exactly the files the catalog names for this table.
        const files = await session.all<{ file_path: string }>(
          `SELECT file_path FROM iceberg_metadata(${quoteLiteral(folder)}) WHERE status <> 'DELETED'`,
        );
        const relative = files.map((f) => f.file_path.replace(`az://${ws.lake.store.location.container}/${item}/`, ''));
        const ofTable = [...named].filter((f) => f.startsWith(`Tables/main/${table}/`));
        expect(relative.sort(), table).toEqual(ofTable.sort());
      }
    } finally {
      session.close();
    }
  });
});
