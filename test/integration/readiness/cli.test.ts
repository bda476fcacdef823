import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { countBlobs } from '../support/developer';
import { duckdb, freshLakehouse, runCli } from '../support/lakehouse';
import { localLakehouse } from '../query/helpers';

const CLEAN = 'CREATE TABLE lake.main.clean AS SELECT i AS id, i * 2 AS twice FROM range(100) t(i)';
const BINARY = "CREATE TABLE lake.main.bin AS SELECT i AS id, '\\xAA'::BLOB AS payload FROM range(100) t(i)";

function workspace(names: string[], location = (n: string) => `azurite://127.0.0.1:1/ws/${n}.Lakehouse`): string {
  const ws = mkdtempSync(join(tmpdir(), 'lakehouse-readiness-cli-'));
  writeFileSync(
    join(ws, 'lakehouse.yml'),
    `lakehouses:\n${names.map((n) => `  - name: ${n}\n    location: ${location(n)}\n`).join('')}`,
  );
  return ws;
}

describe('lakehouse check (real CLI process)', () => {
  it('lists each finding with its fix and exits 16 when Direct Lake would reject a table', async () => {
    const ws = workspace(['energy']);
    await localLakehouse('energy', [CLEAN, BINARY], ws);
    const text = await runCli(['check', 'energy'], {}, ws);
    expect(text.code, text.stderr).toBe(16);
    expect(text.stdout).toMatch(/^1 finding\(s\) on F2 \(1 error\(s\)\) across 2 table\(s\):/);
    expect(text.stdout).toMatch(/error main\.bin \[binary-column\]: column payload is BLOB.*Fix: .*to_base64/);
    expect(text.stdout).not.toMatch(/main\.clean/);

    const json = await runCli(['check', 'energy', '--json', '--sku', 'F64'], {}, ws);
    expect(json.code, json.stderr).toBe(16);
    expect(json.json).toMatchObject({ ok: false, sku: 'F64', tables: ['main.clean', 'main.bin'] });
    expect(json.json.findings).toEqual([
      expect.objectContaining({ table: 'main.bin', code: 'binary-column', severity: 'error' }),
    ]);
  });

  it('exits 0 on a clean lakehouse and 2 on an unknown SKU', async () => {
    const ws = workspace(['tidy']);
    await localLakehouse('tidy', [CLEAN], ws);
    const ok = await runCli(['check', 'tidy'], {}, ws);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Fabric-ready on F2: 1 table\(s\), no findings\./);
    const bad = await runCli(['check', 'tidy', '--sku', 'F99'], {}, ws);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown capacity SKU 'F99'/);
  });
});

describe('publish --readiness refuse (real CLI process, Azurite)', () => {
  const sessions: DuckDBSession[] = [];
  afterAll(() => sessions.forEach((s) => s.close()));

  it('uploads nothing when a table would be rejected, and publishes with warn', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ws = workspace(['test'], () => lake.location);
    const pulled = await runCli(['pull', 'test'], {}, ws);
    expect(pulled.code, pulled.stderr).toBe(0);
    const catalogBefore = await lake.store.blob('Files/metadata.db').getProperties();

    const mirror = LocalMirror.forLakehouse(ws, 'test');
    const session = await DuckDBSession.open({ ...duckdb, threads: 2 });
    sessions.push(session);
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!);
    await session.run(CLEAN);
    await session.run(BINARY);
    await session.run('DETACH lake');

    const refused = await runCli(['publish', 'test', '--readiness', 'refuse', '--json'], {}, ws);
    expect(refused.code, refused.stdout + refused.stderr).toBe(16);
    expect(refused.json.error?.code).toBe('not-fabric-ready');
    expect(refused.json.error?.message).toMatch(/Publish refused: 1 finding\(s\).*main\.bin \[binary-column\]/s);
    expect(await countBlobs(lake.store, 'Tables/')).toBe(0);
    const catalogAfter = await lake.store.blob('Files/metadata.db').getProperties();
    expect(catalogAfter.etag).toBe(catalogBefore.etag);
    expect(catalogAfter.leaseState).toBe('available');

    const warned = await runCli(['publish', 'test'], {}, ws);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/readiness: error main\.bin \[binary-column\]/);
    expect(await countBlobs(lake.store, 'Tables/')).toBeGreaterThan(0);
  }, 120_000);
});
