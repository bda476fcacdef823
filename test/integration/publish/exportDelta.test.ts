import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWithDeltaRs, readWithDuckDBDelta } from '../delta/helpers';
import { Developer, downloadFolder } from '../support/developer';
import { freshLakehouse, runCli, FLAVORS } from '../support/lakehouse';

describe.each(FLAVORS)('lakehouse export-delta (recovery) (%s)', (flavor) => {
  it('writes the Delta logs a publish skipped, from the remote catalog, under the lease', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    try {
      await ana.pull();
      await ana.run('CREATE TABLE lake.main.orders AS SELECT range AS id, range % 7 AS customer FROM range(2500)');
      const published = await ana.publish({ exportDelta: false });
      expect(published.delta).toBeUndefined();
    } finally {
      ana.close();
    }
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-export-'));
    writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${lake.location}\n`);
    const result = await runCli(['export-delta', 'lh', '--json'], {}, cwd);
    expect(result.code, result.stderr).toBe(0);
    expect((result.json.tables as Array<{ name: string; status: string; version: number }>)[0]).toMatchObject({
      name: 'orders',
      status: 'created',
      version: 0,
    });
    const folder = await downloadFolder(lake.store, 'Tables/main/orders');
    expect((await readWithDuckDBDelta(folder)).rows).toBe(2500);
    expect((await readWithDeltaRs(folder)).rows).toBe(2500);
    expect((await lake.guard.inspect()).status).toBe('free');
    const again = await runCli(['export-delta', 'lh', '--json'], {}, cwd);
    expect((again.json.tables as Array<{ status: string }>)[0]!.status).toBe('unchanged');
  });

  it('exits non-zero (13, delta-skipped) when it leaves a table out, in one JSON document and in words', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    try {
      await ana.pull();
      await ana.run(
        'CREATE TABLE lake.main.fine AS SELECT range AS id FROM range(10)',
        // HUGEINT has no Delta type: the exporter refuses this table (unsupported-schema).
        'CREATE TABLE lake.main.huge AS SELECT CAST(range AS HUGEINT) AS big FROM range(10)',
      );
      await ana.publish({ exportDelta: false });
    } finally {
      ana.close();
    }
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-export-'));
    writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${lake.location}\n`);
    const result = await runCli(['export-delta', 'lh', '--json'], {}, cwd);
    expect(result.code, result.stdout + result.stderr).toBe(15);
    expect(result.json.ok).toBe(false);
    const tables = result.json.tables as Array<{ name: string; status: string; skipped?: { code: string } }>;
    expect(tables.map((t) => [t.name, t.status, t.skipped?.code])).toEqual([
      ['fine', 'created', undefined],
      ['huge', 'skipped', 'unsupported-schema'],
    ]);
    const human = await runCli(['export-delta', 'lh'], {}, cwd);
    expect(human.code).toBe(15);
    expect(human.stderr).toMatch(/1 table\(s\) were not exported to Delta: main\.huge\./);
    expect((await lake.guard.inspect()).status).toBe('free');
  });
});
