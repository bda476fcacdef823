import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportDeltaLake } from '../../../src/core/delta/exporter';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { countBlobs } from '../support/developer';
import { duckdb, freshLakehouse, runCli } from '../support/lakehouse';

/** A "secret" on the reader's machine that a hostile catalog tries to read. */
function secretFile(): { path: string; canary: string } {
  const canary = `CANARY${randomBytes(8).toString('hex')}`;
  const path = join(mkdtempSync(join(tmpdir(), 'lakehouse-secret-')), 'id_rsa');
  writeFileSync(path, `-----BEGIN KEY-----\n${canary}\n`);
  return { path, canary };
}

/** DuckDB-file catalogs that carry code: a view over the local file, and a real DuckLake catalog plus a macro. */
async function hostileCatalogs(secret: string): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-hostile-'));
  const view = join(dir, 'view.ducklake');
  const macro = join(dir, 'macro.ducklake');
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.run(`ATTACH ${quoteLiteral(view)} AS h`);
    await session.run(
      `CREATE VIEW h.ducklake_metadata AS SELECT 'version' AS key, content AS value, NULL::VARCHAR AS scope FROM read_text(${quoteLiteral(secret)})`,
    );
    await session.run('DETACH h');
    await session.loadExtensions(['ducklake']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:${macro}`)} AS lk (DATA_PATH ${quoteLiteral(join(dir, 'data') + '/')})`,
    );
    await session.run('CREATE TABLE lk.t AS SELECT 1 AS x');
    await session.run('DETACH lk');
    await session.run(`ATTACH ${quoteLiteral(macro)} AS m`);
    await session.run(`CREATE MACRO m.leak() AS TABLE SELECT content FROM read_text(${quoteLiteral(secret)})`);
    await session.run('DETACH m');
  } finally {
    session.close();
  }
  return { view, macro };
}

function filesHolding(dir: string, canary: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (readFileSync(full).includes(canary)) found.push(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

describe('catalogs are opened as data, never as code', () => {
  it('a DuckDB-file catalog with a view or a macro over a local file: pull and export-delta refuse, nothing of the file leaks', async () => {
    const secret = secretFile();
    const catalogs = await hostileCatalogs(secret.path);
    for (const [kind, file] of Object.entries(catalogs)) {
      const lake = await freshLakehouse();
      await lake.store.blob('Files/metadata.db').uploadFile(file);
      const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-hostile-cli-'));
      writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${lake.location}\n`);
      for (const verb of ['pull', 'export-delta']) {
        for (const json of [true, false]) {
          const result = await runCli([verb, 'lh', ...(json ? ['--json'] : [])], {}, cwd);
          const what = `${kind}: ${verb}${json ? ' --json' : ''}`;
          expect(result.code, `${what}: ${result.stdout}${result.stderr}`).toBe(1);
          expect(result.stdout + result.stderr, what).not.toContain(secret.canary);
          if (json) {
            expect(result.json.error?.code, what).toBe('catalog-unsafe');
            expect(result.json.error?.message, what).toMatch(
              kind === 'view' ? /defines 1 view\(s\); a DuckLake catalog holds only tables/ : /defines 1 macro\(s\)/,
            );
          }
        }
      }
      expect(filesHolding(cwd, secret.canary), kind).toEqual([]);
      // Nothing went to the remote: no Delta logs, no state blob; the lease was let go.
      expect(await countBlobs(lake.store, 'Tables/'), kind).toBe(0);
      expect(await lake.store.blob('Files/metadata.db.delta-export.json').exists(), kind).toBe(false);
      expect((await lake.guard.inspect()).status, kind).toBe('free');
    }
  });

  it('the Delta exporter refuses it too, and never runs the view', async () => {
    const secret = secretFile();
    const view = (await hostileCatalogs(secret.path)).view!;
    const out = mkdtempSync(join(tmpdir(), 'lakehouse-hostile-delta-'));
    const session = await DuckDBSession.open(duckdb);
    try {
      const error = await exportDeltaLake({ session, catalogPath: view, store: fsDeltaLogStore(out) }).catch(
        (e: unknown) => e,
      );
      expect((error as { code?: string }).code).toBe('catalog-unsafe');
      expect(String((error as Error).message)).not.toContain(secret.canary);
    } finally {
      session.close();
    }
    expect(readdirSync(out)).toEqual([]);
  });
});
