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
});
